//! Process figures from /proc: the server's RSS and the CPU time of the server, of every
//! PostgreSQL process (the postmaster's reaped children included, so backends that exit
//! during a run still count) and of this process and its reaped children (pgbench).

use std::fs;

#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    pub server_cpu: f64,
    /// Of which in the kernel (stime).
    pub server_sys: f64,
    /// Minor page faults of the server so far.
    pub server_minflt: u64,
    pub pg_cpu: f64,
    pub self_cpu: f64,
    pub children_cpu: f64,
    /// CPU time the whole machine spent busy (all cores, from /proc/stat).
    pub machine_busy: f64,
}

/// Busy ticks of all cores together: everything but idle and iowait.
fn machine_busy_ticks() -> u64 {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return 0;
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    let total: u64 = v.iter().take(8).sum();
    total - v.get(3).copied().unwrap_or(0) - v.get(4).copied().unwrap_or(0)
}

pub struct Probe {
    pub server_pid: u32,
    pub postmaster_pid: u32,
    ticks_per_sec: f64,
}

/// utime, stime, cutime, cstime (in ticks) and ppid of a process.
fn stat(pid: &str) -> Option<(u64, u64, u64, u64, u32)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: read after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state); ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    let n = |i: usize| f.get(i - 3).and_then(|v| v.parse::<u64>().ok());
    Some((n(14)?, n(15)?, n(16)?, n(17)?, n(4)? as u32))
}

impl Probe {
    pub fn new(server_pid: u32, postmaster_pid: u32) -> Self {
        let ticks = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .unwrap_or(100.0);
        Self {
            server_pid,
            postmaster_pid,
            ticks_per_sec: ticks,
        }
    }

    /// (VmRSS, VmHWM) of the server in KiB.
    pub fn server_rss_kb(&self) -> (u64, u64) {
        let text =
            fs::read_to_string(format!("/proc/{}/status", self.server_pid)).unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub fn server_alive(&self) -> bool {
        fs::metadata(format!("/proc/{}", self.server_pid)).is_ok()
    }

    pub fn snapshot(&self) -> Snapshot {
        let secs = |t: u64| t as f64 / self.ticks_per_sec;
        let server_stat = stat(&self.server_pid.to_string()).unwrap_or_default();
        let server = server_stat.0 + server_stat.1;
        let server_minflt = fs::read_to_string(format!("/proc/{}/stat", self.server_pid))
            .ok()
            .and_then(|t| {
                let rest = t[t.rfind(')')? + 1..].to_owned();
                rest.split_whitespace().nth(10 - 3)?.parse().ok()
            })
            .unwrap_or(0);
        let me = stat("self").unwrap_or_default();
        let mut pg = 0;
        if let Ok(dir) = fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let name = entry.file_name();
                let Some(pid) = name
                    .to_str()
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                else {
                    continue;
                };
                let Some((u, s, cu, cs, ppid)) = stat(pid) else {
                    continue;
                };
                if pid == self.postmaster_pid.to_string() {
                    pg += u + s + cu + cs;
                } else if ppid == self.postmaster_pid {
                    pg += u + s;
                }
            }
        }
        Snapshot {
            server_cpu: secs(server),
            server_sys: secs(server_stat.1),
            server_minflt,
            pg_cpu: secs(pg),
            self_cpu: secs(me.0 + me.1),
            children_cpu: secs(me.2 + me.3),
            machine_busy: secs(machine_busy_ticks()),
        }
    }
}
