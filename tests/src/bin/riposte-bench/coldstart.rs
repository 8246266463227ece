//! Cold start of the release `bootstrap`: process start to the first event handled, against a local
//! stand-in of the Lambda Runtime API (next invocation, then the response), with the emulator behind it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct ColdStart {
    pub first_event_ms: f64,
    pub peak_rss_mib: f64,
    pub binary_mib: f64,
}

/// Read one HTTP request (head and body); the request line.
fn read_request(stream: &mut TcpStream) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}")));
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
        if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    line
}

fn answer(stream: &mut TcpStream, headers: &[(&str, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// Start `bootstrap` with `env`, serve it `event` once, and time it.
pub fn measure(bootstrap: &Path, env: &[(&str, String)], event: &str) -> ColdStart {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let api = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let started = Instant::now();
    let mut child = Command::new(bootstrap)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "riposte-bench")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/riposte-bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bootstrap.display()));
    let deadline = (std::time::SystemTime::now() + Duration::from_secs(120))
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut served = false;
    let mut first_event_ms = f64::NAN;
    for stream in listener.incoming() {
        let mut stream = stream.unwrap_or_else(|e| panic!("{e}"));
        let request = read_request(&mut stream);
        if request.contains("/invocation/next") && !served {
            served = true;
            answer(
                &mut stream,
                &[
                    ("Lambda-Runtime-Aws-Request-Id", "bench-1".into()),
                    ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:000000000000:function:riposte-bench".into(),
                    ),
                ],
                event,
            );
        } else if request.contains("/response") || request.contains("/error") {
            first_event_ms = started.elapsed().as_secs_f64() * 1000.0;
            answer(&mut stream, &[], "{}");
            break;
        } else {
            // A second /next: the first event was answered elsewhere; stop.
            break;
        }
    }
    let peak_rss_mib = peak_rss_mib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let binary_mib = std::fs::metadata(bootstrap)
        .map(|m| m.len() as f64 / 1_048_576.0)
        .unwrap_or(0.0);
    ColdStart {
        first_event_ms,
        peak_rss_mib,
        binary_mib,
    }
}
