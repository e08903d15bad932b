use crate::image::ImageConfigInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags image environment variables with a secret-looking name (`*PASSWORD*`,
    /// `*SECRET*`, `*TOKEN*`, `*API_KEY*`...) and a literal value.
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.10: the image config is readable by anyone who can pull the image
    /// (`docker inspect`), and every container inherits the value.
    ///
    /// ## How to fix
    /// Remove the `ENV` from the Dockerfile and inject the secret at run time from a secret
    /// store; rotate the exposed secret.
    code: "PL-IMG-004",
    title: "Secret in image environment",
    severity: High,
    references: ["CIS-Docker-4.10"],
    bad: "Env: PATH=/usr/bin\nEnv: STRIPE_API_KEY=sk_live_abc123\n",
    good: "Env: PATH=/usr/bin\nEnv: STRIPE_API_KEY_FILE=/run/secrets/stripe\n",
    check: ImageConfig(check),
}

fn check(c: &ImageConfigInput, out: &mut Vec<Hit>) {
    use crate::rules::dockerfile::secret_in_env_arg::{literal_secret_value, secret_name};
    for e in &c.env {
        let (k, v) = e.split_once('=').unwrap_or((e, ""));
        if secret_name(k) && literal_secret_value(v) {
            out.push(Hit::new(0, 0, format!("environment variable {k} holds a literal secret")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_quiet;

    #[test]
    fn public_keys_are_fine() {
        assert_quiet(&RULE, "Env: GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\nEnv: PASSWORD=\n");
    }
}
