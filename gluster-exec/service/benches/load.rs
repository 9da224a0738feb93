//! Load bench: N concurrent volume creates over HTTP (JWT auth on every request) against the
//! service on simulated hosts, end to end: `POST /volumes` (202), then `GET /queue/{id}`
//! until the 303. Prints creates per second and p50/p99 latency, then checks that every
//! create was placed and no device is over-booked.
//!
//! `cargo bench -p gluster-service --bench load` (env `CREATES`, default 200; `STORE=redb`:
//! the state and the queue in an embedded redb file, as `gluster-plan serve --store` runs,
//! instead of in memory). Connections are opened before the clock starts, as a client's
//! connection pool holds them.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use gluster_model::{import_heketi_load, ByteSize, HeketiLoadOptions};
use gluster_placement::PlacementSettings;
use gluster_service::*;

const KEY: &[u8] = b"bench-key";

/// 3 zones x 10 nodes x 4 devices of 1 TiB.
fn topology() -> String {
    let nodes: Vec<String> = (0..30)
        .map(|n| {
            format!(
                r#"{{"node":{{"hostnames":{{"manage":["n{n}"],"storage":["10.0.{}.{}"]}},"zone":{}}},"devices":["/dev/sdb","/dev/sdc","/dev/sdd","/dev/sde"]}}"#,
                n / 200,
                n % 200 + 1,
                n % 3 + 1
            )
        })
        .collect();
    format!(r#"{{"clusters":[{{"nodes":[{}]}}]}}"#, nodes.join(","))
}

fn token(method: &str, path: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims =
        serde_json::json!({"iss":"admin","iat":now,"exp":now + 60,"qsh":qsh(method, path)});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(KEY),
    )
    .unwrap_or_default()
}

/// One request on a kept-alive connection: (status, Location header).
async fn request(
    conn: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, Option<String>)> {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: bearer {}\r\nContent-Length: {}\r\n\r\n{body}",
        token(method, path),
        body.len()
    );
    conn.get_mut().write_all(head.as_bytes()).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (mut length, mut location) = (0usize, None);
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            match k.to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "location" => location = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await?;
    Ok((status, location))
}

/// One create, end to end on an open connection (a client's pool); its latency.
async fn create(mut conn: BufReader<TcpStream>, i: usize) -> Result<Duration, String> {
    let began = Instant::now();
    let body = format!(
        r#"{{"size":1,"name":"bench{i}","durability":{{"type":"replicate","replicate":{{"replica":3}}}},"glustervolumeoptions":["user.heketi.zone-checking strict"]}}"#
    );
    let (status, location) = request(&mut conn, "POST", "/volumes", &body)
        .await
        .map_err(|e| e.to_string())?;
    let queue = match (status, location) {
        (202, Some(l)) => l,
        (s, _) => return Err(format!("create {i}: status {s}")),
    };
    loop {
        let (status, _) = request(&mut conn, "GET", &queue, "")
            .await
            .map_err(|e| e.to_string())?;
        match status {
            200 => tokio::time::sleep(Duration::from_millis(1)).await,
            303 => return Ok(began.elapsed()),
            s => return Err(format!("create {i}: queue answered {s}")),
        }
    }
}

/// Where the bench's state lives, to read the model back at the end.
enum State {
    Memory(Arc<InProcessBackend>),
    Store(gluster_store::Provisioner),
}

fn main() {
    let creates: usize = std::env::var("CREATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let model = import_heketi_load(
            &topology(),
            &HeketiLoadOptions::with_default_size(ByteSize::tib(1)),
        )
        .expect("topology");
        let config = ServiceConfig::new(AuthConfig::Keys {
            admin: KEY.to_vec(),
            user: None,
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, state) = if std::env::var("STORE").is_ok_and(|v| v == "redb") {
            let store: Arc<dyn gluster_store::Store> = Arc::new(
                gluster_store::RedbStore::open(dir.path().join("state.redb"))
                    .await
                    .expect("store"),
            );
            gluster_store::import_model(store.as_ref(), &model)
                .await
                .expect("import");
            let sim = Arc::new(gluster_exec::simulated::SimulatedExecutor::from_model(
                &model, true,
            ));
            // Four steps at a time per host, as `serve` by default.
            let p = gluster_store::Provisioner::new(
                store.clone(),
                sim.clone(),
                gluster_exec::HostLimits::new(4),
                PlacementSettings::default(),
            )
            .await
            .expect("provisioner");
            let backend = Arc::new(ProvisionerBackend::simulated(
                p.clone(),
                sim,
                ByteSize::tib(1),
            ));
            let queue = Arc::new(StoreQueue::new(store));
            (App::new(backend, queue, config), State::Store(p))
        } else {
            let backend = Arc::new(InProcessBackend::simulated(
                model,
                PlacementSettings::default(),
                ByteSize::tib(1),
            ));
            let app = App::new(backend.clone(), Arc::new(MemoryQueue::new()), config);
            (app, State::Memory(backend))
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, async {
            let _ = stopped.await;
        }));

        // Connections first, one at a time, as a client's pool holds them: a burst of
        // connects here loses SYNs now and then, and each costs a 1 s retransmit.
        let mut pool = Vec::with_capacity(creates);
        for _ in 0..creates {
            let stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            pool.push(BufReader::new(stream));
        }
        let began = Instant::now();
        let tasks: Vec<_> = pool
            .into_iter()
            .enumerate()
            .map(|(i, conn)| tokio::spawn(create(conn, i)))
            .collect();
        let mut latencies = Vec::with_capacity(creates);
        for t in tasks {
            match t.await {
                Ok(Ok(l)) => latencies.push(l),
                Ok(Err(e)) => eprintln!("{e}"),
                Err(e) => eprintln!("task: {e}"),
            }
        }
        let wall = began.elapsed();
        let _ = stop.send(());
        let _ = server.await;

        latencies.sort();
        let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
        let (model, kind) = match &state {
            State::Memory(backend) => (backend.model(), "memory"),
            State::Store(p) => (p.model().await.expect("stored model"), "redb"),
        };
        let overbooked = model.devices().filter(|d| d.used > d.total).count();
        println!(
            "service/load/{kind}/{creates}_concurrent_creates: {} placed in {:.3} s: {:.0} creates/s, p50 {:.1} ms, p99 {:.1} ms",
            latencies.len(),
            wall.as_secs_f64(),
            latencies.len() as f64 / wall.as_secs_f64(),
            pct(50).as_secs_f64() * 1e3,
            pct(99).as_secs_f64() * 1e3,
        );
        println!(
            "  volumes in the model: {}, over-booked devices: {overbooked}, model check: {} issue(s)",
            model.volumes().len(),
            model.check().len()
        );
        if latencies.len() != creates || overbooked > 0 || !model.check().is_empty() {
            eprintln!("load bench: not every create was placed cleanly");
            std::process::exit(1);
        }
    });
}
