use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers without a memory limit (`--memory`), without a CPU limit or share (`--cpus`, `--cpu-quota`, `--cpu-shares`), or without a process limit (`--pids-limit`): one finding per missing limit.
    ///
    /// ## Why it matters
    /// One runaway or compromised container can exhaust the host's memory, CPU or process table (a fork bomb) and take every other container down with it.
    ///
    /// ## How to fix
    /// Recreate the container with `--memory`, `--cpus` and `--pids-limit` (or set them with `docker update`).
    code: "PL-DOCKER-007",
    title: "No memory, CPU or PIDs limit",
    severity: Medium,
    references: ["CIS-Docker-5.11", "CIS-Docker-5.12", "CIS-Docker-5.29"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"Memory\": 0, \"NanoCpus\": 0, \"CpuShares\": 0, \"PidsLimit\": null}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"Memory\": 268435456, \"NanoCpus\": 500000000, \"PidsLimit\": 128}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    if int(c.host("Memory")) <= 0 {
        out.push(c.hit("no memory limit (--memory)"));
    }
    if int(c.host("NanoCpus")) <= 0 && int(c.host("CpuQuota")) <= 0 && int(c.host("CpuShares")) <= 0 {
        out.push(c.hit("no CPU limit or share (--cpus, --cpu-quota, --cpu-shares)"));
    }
    // Docker reports an unlimited PIDs cgroup as null, 0 or -1.
    if int(c.host("PidsLimit")) <= 0 {
        out.push(c.hit("no process limit (--pids-limit)"));
    }
}
