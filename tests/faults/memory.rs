//! Memory, bounded: each hostile input of issue 22 (and of `tests/api/abuse.rs`) sent to the
//! real binary, and the process's peak resident memory (`VmHWM`, reset through
//! `/proc/PID/clear_refs` just before) compared with the input's size. Counted, not timed.

use std::time::Duration;

use reqwest::{header, StatusCode};

use crate::support::{free_port, plain_client, Person, Pg, Server};

const MIB: u64 = 1024 * 1024;
/// The hostile files are this large: under the import's 48 MiB, so they are read.
const FILE: usize = 40 * 1024 * 1024;

/// A field of `/proc/PID/status` in KiB (`VmHWM`, `VmRSS`).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

/// Resets the process's peak to its resident memory now (Linux 4.0+, `clear_refs` 5).
fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("write /proc/PID/clear_refs");
}

/// What a hostile input cost: the peak's rise over the resident memory before it, in bytes.
struct Rise {
    bytes: u64,
}

/// Runs `send` against a fresh server (so memory an earlier input left resident cannot hide
/// this one's) and measures the peak's rise.
async fn rise<F, Fut>(pg: &Pg, what: &str, send: F) -> Rise
where
    F: FnOnce(String, Vec<Person>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let server = Server::start(&pg.url(), free_port(), &[]).await;
    let base = server.base();
    let mut people = Vec::new();
    for _ in 0..6 {
        people.push(Person::sign_up(&base).await);
    }
    // One ordinary import first, so what every import allocates once is not counted.
    let warm = plain_client()
        .post(format!("{base}/api/v1/import"))
        .bearer_auth(&people[0].token)
        .header(header::CONTENT_TYPE, "text/csv")
        .body("title\nwarm up\n")
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), StatusCode::CREATED);
    let pid = server.pid();
    tokio::time::sleep(Duration::from_millis(200)).await;
    reset_peak(pid);
    let before = status_kib(pid, "VmRSS");
    send(base, people).await;
    let peak = status_kib(pid, "VmHWM");
    let rise = Rise {
        bytes: peak.saturating_sub(before) * 1024,
    };
    println!(
        "{what}: resident {} MiB before, peak {} MiB, rise {} MiB",
        before / 1024,
        peak / 1024,
        rise.bytes / MIB
    );
    rise
}

/// Posts `file` to the API's import as `media`; its status, or none when the server closed
/// the connection while the file was still being sent (an early refusal may do that).
async fn import(base: &str, token: &str, media: &str, file: Vec<u8>) -> Option<StatusCode> {
    plain_client()
        .post(format!("{base}/api/v1/import"))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, media)
        .body(file)
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

fn commas() -> Vec<u8> {
    vec![b','; FILE]
}

fn zeros() -> Vec<u8> {
    let mut file = Vec::with_capacity(FILE);
    file.push(b'[');
    while file.len() < FILE - 2 {
        file.extend_from_slice(b"0,");
    }
    file.extend_from_slice(b"0]");
    file
}

/// A file's peak rise is at most this: the file itself, held once while it is read, and room
/// for the upload's own buffers (the multipart reader's) and the allocator. (What the build
/// before issue 22 took is in the README's "Limits"; `FAULTS_SERVER_BIN` runs this against
/// another build.)
fn bound(file: usize) -> u64 {
    2 * file as u64 + 16 * MIB
}

#[tokio::test]
async fn hostile_imports_raise_peak_memory_by_a_small_multiple_of_their_size_at_most() {
    let pg = Pg::start("memory");
    let mut failures = Vec::new();
    let mut check = |what: &str, rise: Rise, limit: u64| {
        if rise.bytes > limit {
            failures.push(format!(
                "{what}: peak rose {} MiB, bound {} MiB",
                rise.bytes / MIB,
                limit / MIB
            ));
        }
    };

    // Each file alone through the API's import: refused as a file or by its rows (422),
    // at a cost of about its own size.
    let long_field = {
        let mut file = b"title\n\"".to_vec();
        file.resize(FILE - 2, b'a');
        file.extend_from_slice(b"\"\n");
        file
    };
    let export_of_zeros = {
        let mut file = b"{\"format\":\"tasklist\",\"tasks\":".to_vec();
        file.extend_from_slice(&zeros()[..FILE - 40]);
        file.extend_from_slice(b"]}");
        file
    };
    let empty_tags = {
        let mut file = b"[{\"title\":\"a\",\"tags\":[".to_vec();
        while file.len() < FILE - 8 {
            file.extend_from_slice(b"\"\",");
        }
        file.extend_from_slice(b"\"\"]}]");
        file
    };
    let long_string = {
        let mut file = b"[{\"title\":\"a\",\"remind_before_minutes\":\"".to_vec();
        file.resize(FILE - 4, b'x');
        file.extend_from_slice(b"\"}]");
        file
    };
    for (what, media, file) in [
        ("CSV, one 40 MiB line of commas", "text/csv", commas()),
        ("CSV, one 40 MiB quoted field", "text/csv", long_field),
        ("JSON, a 40 MiB array of zeros", "application/json", zeros()),
        (
            "JSON, 40 MiB of zeros as the export's tasks",
            "application/json",
            export_of_zeros,
        ),
        (
            "JSON, one task with 40 MiB of empty tags",
            "application/json",
            empty_tags,
        ),
        (
            "JSON, one task with a 40 MiB string where a number goes",
            "application/json",
            long_string,
        ),
    ] {
        let r = rise(&pg, what, |base, people| async move {
            let status = import(&base, &people[0].token, media, file).await;
            assert_eq!(status, Some(StatusCode::UNPROCESSABLE_ENTITY), "{what}");
        })
        .await;
        check(what, r, bound(FILE));
    }

    // The API's own task: a 250 KB body of empty tags, a hundred at once.
    let r = rise(
        &pg,
        "a hundred API adds of 83,000 empty tags at once",
        |base, people| async move {
            let mut body = b"{\"title\":\"a\",\"tags\":[".to_vec();
            while body.len() < 250_000 {
                body.extend_from_slice(b"\"\",");
            }
            body.extend_from_slice(b"\"\"]}");
            let mut running = Vec::new();
            for i in 0..100 {
                let (base, token, body) = (
                    base.clone(),
                    people[i % people.len()].token.clone(),
                    body.clone(),
                );
                running.push(tokio::spawn(async move {
                    plain_client()
                        .post(format!("{base}/api/v1/tasks"))
                        .bearer_auth(token)
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(body)
                        .send()
                        .await
                        .map(|r| r.status())
                }));
            }
            for r in running {
                let status = r.await.unwrap().unwrap();
                assert!(
                    status.is_client_error() || status == StatusCode::SERVICE_UNAVAILABLE,
                    "{status}"
                );
            }
        },
    )
    .await;
    check("API tags", r, 100 * 256 * 1024 * 2 + 16 * MIB);

    let r = rise(
        &pg,
        "the account page's upload of the commas",
        |_, people| async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(commas()).file_name("tasks.csv"),
            );
            let res = people[0]
                .session
                .post(format!("{}/account/import", people[0].base))
                .header("sec-fetch-site", "same-origin")
                .multipart(form)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
        },
    )
    .await;
    check("upload of commas", r, bound(FILE));

    // Twelve at once, two from each of six people: at most two are read at a time.
    let r = rise(
        &pg,
        "twelve 40 MiB uploads at once",
        |base, people| async move {
            let mut running = Vec::new();
            for person in &people {
                for _ in 0..2 {
                    let (base, token) = (base.clone(), person.token.clone());
                    running.push(tokio::spawn(async move {
                        import(&base, &token, "text/csv", commas()).await
                    }));
                }
            }
            let mut read = 0;
            for r in running {
                match r.await.unwrap() {
                    Some(StatusCode::UNPROCESSABLE_ENTITY) => read += 1,
                    Some(StatusCode::SERVICE_UNAVAILABLE) | None => {}
                    other => panic!("an upload got {other:?}"),
                }
            }
            println!("  {read} of 12 were read, the others refused at once");
            assert!(read >= 1);
        },
    )
    .await;
    // Twelve client buffers live in this test process, not the server's.
    check("twelve at once", r, 2 * bound(FILE));

    // abuse.rs' largest: a 250 KB tags field of 50,000 tags, a hundred times at once.
    let r = rise(
        &pg,
        "a hundred 250 KB tags fields at once",
        |_, people| async move {
            let tags = vec!["t"; 50_000].join(",");
            let tags = &tags[..tags.len().min(250_000)];
            let form = [("title", "many tags"), ("tags", tags)];
            let mut running = Vec::new();
            for i in 0..100 {
                running.push(people[i % people.len()].post("add_task", &form));
            }
            for res in futures::future::join_all(running).await {
                // Refused as input, or (past an address's share of body places) before it
                // is read.
                let status = res.status();
                assert!(
                    status.is_client_error() || status == StatusCode::SERVICE_UNAVAILABLE,
                    "{status}"
                );
            }
        },
    )
    .await;
    check("tags fields", r, 100 * 256 * 1024 * 3 + 16 * MIB);

    assert!(failures.is_empty(), "{failures:#?}");
}
