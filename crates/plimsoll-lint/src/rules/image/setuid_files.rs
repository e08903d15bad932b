use crate::image::ImageConfigInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Reports regular files in the image with the setuid or setgid bit.
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.8: set-id programs are the classic privilege-escalation path for
    /// a process running as an unprivileged user. Most containers need none.
    ///
    /// ## How to fix
    /// Strip the bits in the Dockerfile:
    /// `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true`, or use a distroless
    /// base image.
    code: "PL-IMG-003",
    title: "setuid/setgid files in the image",
    severity: Medium,
    references: ["CIS-Docker-4.8"],
    bad: "User: app\nSetuid: /usr/bin/passwd 104755\n",
    good: "User: app\n",
    check: ImageConfig(check),
}

fn check(c: &ImageConfigInput, out: &mut Vec<Hit>) {
    for f in &c.setuid_files {
        crate::work::charge(1);
        let which = match (f.mode & 0o4000 != 0, f.mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            (false, true) => "setgid",
            (false, false) => continue,
        };
        out.push(Hit::new(0, 0, format!("{} is {which} (mode {:o})", f.path, f.mode & 0o7777)));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "Setuid: /usr/bin/wall 102755\n");
        assert_quiet(&RULE, "Setuid: /usr/bin/ls 100755\n");
    }
}
