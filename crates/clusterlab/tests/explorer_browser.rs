//! The explorer in a real browser: `clusterlab compare` writes a report,
//! headless Chromium opens `index.html` from the file system and this test
//! drives it over the DevTools protocol (Chromium's `--remote-debugging-pipe`:
//! JSON messages ended by a NUL byte on file descriptors 3 and 4):
//!
//! * hovering known points shows a `role="tooltip"` whose text has the
//!   point's index and its responsibilities as `clusterlab fit gmm --proba`
//!   prints them (same data, same parameters), rounded to two decimals;
//! * before the last iteration the page's own E-step (from that iteration's
//!   parameters) gives what `fit gmm --init-model START --max-iter 1 --proba`
//!   gives at iteration 1;
//! * `setIteration` moves EM's slider (`state().iteration` follows, the
//!   markers change colour), and so does the slider itself;
//! * `showDisagreements` shows exactly metrics.json's `em_kmeans_points_differ`;
//! * choosing a point in the ranked list highlights it;
//! * the page logs no console error and makes no network request;
//! * with `compare --gmm-noise`, a point EM calls noise says "EM: noise" with
//!   the noise's responsibility last, as `fit gmm --noise --proba` prints it,
//!   and so at iteration 1 (the page's own E-step has the noise component).
//!
//! Alone: `cargo test -p clusterlab --test explorer_browser -- --nocapture`;
//! set `CLUSTERLAB_EXPLORER_SCREENSHOT=path.png` to keep a screenshot of the
//! explorer with a tooltip open (the README's picture is taken this way).
//! The browser is found as `compare_browser` finds it (see `common`).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::chromium_or_skip;

const TIMEOUT: Duration = Duration::from_secs(60);
const VIEWPORT: (u32, u32) = (1400, 1100);
const DATASET: &str = "overlap";

/// A browser driven over the DevTools protocol through a pipe.
struct Browser {
    child: Child,
    input: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for answers (console, network, …).
    events: Vec<Value>,
    session: Option<String>,
}

impl Browser {
    fn start(chromium: &Path, profile: &Path, log: &Path) -> Browser {
        let log = std::fs::File::create(log).unwrap();
        // The shell puts our pipes on fds 3 (commands in) and 4 (answers out).
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>&2"#)
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={},{}", VIEWPORT.0, VIEWPORT.1))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
        let input = child.stdin.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            while let Ok(n) = out.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let msg: Vec<u8> = buf.drain(..=end).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&msg[..end]) {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            input,
            messages: rx,
            next_id: 1,
            events: Vec::new(),
            session: None,
        }
    }

    /// Sends a command (to the page once attached) and waits for its answer.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.input.write_all(&bytes).unwrap();
        self.input.flush().unwrap();
        let t = Instant::now();
        loop {
            let left = TIMEOUT.saturating_sub(t.elapsed());
            match self.messages.recv_timeout(left) {
                Ok(v) if v["id"] == json!(id) => {
                    if let Some(e) = v.get("error") {
                        panic!("{method} failed: {e}");
                    }
                    return v["result"].clone();
                }
                Ok(v) => self.events.push(v),
                Err(RecvTimeoutError::Timeout) => panic!("no answer to {method} in {TIMEOUT:?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the browser went away during {method}")
                }
            }
        }
    }

    /// Waits for an event named `method`.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == json!(method)) {
            return;
        }
        let t = Instant::now();
        loop {
            let left = TIMEOUT.saturating_sub(t.elapsed());
            match self.messages.recv_timeout(left) {
                Ok(v) => {
                    let hit = v["method"] == json!(method);
                    self.events.push(v);
                    if hit {
                        return;
                    }
                }
                Err(_) => panic!("no {method} in {TIMEOUT:?}"),
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("`{expr}` threw: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Everything received so far, answers waited for or not.
    fn drain(&mut self) {
        while let Ok(v) = self.messages.try_recv() {
            self.events.push(v);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The algorithms whose labels the tooltip names, by metrics.json key and title.
const TITLES: [(&str, &str); 5] = [
    ("kmeans", "k-means"),
    ("kmedoids", "k-medoids"),
    ("dbscan", "DBSCAN"),
    ("optics", "OPTICS"),
    ("hdbscan", "HDBSCAN"),
];

/// The labels of `algorithm` on the test's dataset, from metrics.json.
/// Chromium (its profile and log under `tmp`) on the report in `out`, in a
/// page of the test's viewport, its console, log, network and page events
/// recorded; returns once the page has loaded.
fn open_report(chromium: &Path, tmp: &Path, out: &Path) -> Browser {
    let mut b = Browser::start(chromium, &tmp.join("profile"), &tmp.join("chromium.log"));
    let target = b.call("Target.createTarget", json!({"url": "about:blank"}));
    let attached = b.call(
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    b.session = Some(attached["sessionId"].as_str().unwrap().to_string());
    for domain in ["Runtime", "Log", "Network", "Page"] {
        b.call(&format!("{domain}.enable"), json!({}));
    }
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": VIEWPORT.0, "height": VIEWPORT.1, "deviceScaleFactor": 1, "mobile": false}),
    );
    let page = format!(
        "file://{}",
        out.join("index.html").canonicalize().unwrap().display()
    );
    b.call("Page.navigate", json!({"url": page}));
    b.wait_for("Page.loadEventFired");
    b
}

/// The data the report page embeds (its `clusterlab-data` script).
fn page_data(out: &Path) -> Value {
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let start = html.find("id=\"clusterlab-data\">").unwrap() + "id=\"clusterlab-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
}

/// Iteration `t`'s model of a page dataset's EM path, as `--init-model` reads
/// it (with the noise component's proportion and ln V when it has one).
fn path_model(page_ds: &Value, t: usize) -> Value {
    let comps = page_ds["path"]["models"][t].as_array().unwrap();
    let d = page_ds["d"].as_u64().unwrap() as usize;
    let mut model = json!({
        "covariance_type": "full",
        "weights": comps.iter().map(|c| c["w"].clone()).collect::<Vec<_>>(),
        "means": comps.iter().map(|c| c["mu"].clone()).collect::<Vec<_>>(),
        "covariances": comps.iter().map(|c| {
            let v = c["cov"].as_array().unwrap();
            (0..d).map(|r| json!(v[r * d..(r + 1) * d])).collect::<Vec<_>>()
        }).collect::<Vec<_>>(),
    });
    // The page keeps the Gaussians' weights summing to 1; the file's sum to
    // 1 with the noise's proportion.
    if let Some(nz) = page_ds["path"]["noise"][t].as_array() {
        let keep = 1.0 - nz[0].as_f64().unwrap();
        model["weights"] = json!(comps
            .iter()
            .map(|c| c["w"].as_f64().unwrap() * keep)
            .collect::<Vec<_>>());
        model["noise_proportion"] = nz[0].clone();
        model["log_hypervolume"] = nz[1].clone();
    }
    model
}

/// Where point `i` of dataset `ds` is drawn, in viewport pixels.
fn point_on_screen(b: &mut Browser, ds: &Value, i: usize) -> (f64, f64) {
    let pos = b.eval(&format!(
        "(() => {{ const p = window.clusterlab.pointScreenPosition({ds}, {i}); return [p.x - window.scrollX, p.y - window.scrollY]; }})()"
    ));
    (pos[0].as_f64().unwrap(), pos[1].as_f64().unwrap())
}

/// The mouse moved onto point `i` of dataset `ds`: the tooltip's text, when
/// one shows.
fn hover(b: &mut Browser, ds: &Value, i: usize) -> Option<String> {
    let (x, y) = point_on_screen(b, ds, i);
    b.call(
        "Input.dispatchMouseEvent",
        json!({"type": "mouseMoved", "x": x, "y": y}),
    );
    b.eval("(() => { const t = document.querySelector('[role=tooltip]'); return t && !t.hidden ? t.textContent : null; })()")
        .as_str()
        .map(String::from)
}

/// `fit gmm ARGS --standardize --proba --json --max-iter 1 --covariance C
/// --init-model M` with M the page's model at iteration 0 (written in
/// `dir`): what the page's own E-step at iteration 1 must show.
fn one_step_from_the_start(
    dir: &Path,
    page_ds: &Value,
    args: &[&str],
    covariance: &Value,
) -> Value {
    let model_file = dir.join("start.json");
    std::fs::write(&model_file, path_model(page_ds, 0).to_string()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_clusterlab"))
        .args(["fit", "gmm"])
        .args(args)
        .args(["--standardize", "--proba", "--json", "--max-iter", "1"])
        .arg("--covariance")
        .arg(covariance.as_str().unwrap())
        .arg("--init-model")
        .arg(&model_file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Hovering point `i` (the slider at iteration 1), the tooltip's "at
/// iteration 1" line gives `want` (`fit --init-model` at iteration 0's model,
/// one step, `--proba`) to two decimals.
fn check_iteration_one(b: &mut Browser, ds: &Value, i: usize, want: &Value) {
    let text = hover(b, ds, i).unwrap_or_else(|| panic!("no tooltip over point {i}"));
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("at iteration 1: "))
        .unwrap_or_else(|| panic!("point {i}: no iteration-1 line in\n{text}"));
    let shown: Vec<f64> = line.split(", ").map(|v| v.parse().unwrap()).collect();
    let want: Vec<f64> = want
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(shown.len(), want.len(), "point {i}: {line} vs {want:?}");
    for (a, w) in shown.iter().zip(&want) {
        // Two decimals each, from parameters kept to 8 digits.
        assert!(
            (a - w).abs() <= 0.0051,
            "point {i} at iteration 1: shown {line}, fit gives {want:?}"
        );
    }
}

fn labels_of(metrics: &Value, algorithm: &str) -> Vec<i64> {
    metrics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dataset"] == json!(DATASET) && r["algorithm"] == json!(algorithm))
        .unwrap_or_else(|| panic!("no {algorithm} row"))["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// Responsibilities with two decimals, as the tooltip prints them.
fn two_decimals(row: &[Value]) -> String {
    row.iter()
        .map(|v| format!("{:.2}", v.as_f64().unwrap()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The console errors, exceptions and non-local requests among the events.
fn problems(events: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for e in events {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.exceptionThrown" => out.push(format!("exception: {}", p["exceptionDetails"])),
            "Runtime.consoleAPICalled" if p["type"] == json!("error") => {
                out.push(format!("console.error: {}", p["args"]))
            }
            "Log.entryAdded" if p["entry"]["level"] == json!("error") => {
                out.push(format!("log error: {}", p["entry"]["text"]))
            }
            "Network.requestWillBeSent" => {
                let url = p["request"]["url"].as_str().unwrap_or("");
                if !(url.starts_with("file://") || url.starts_with("data:") || url == "about:blank")
                {
                    out.push(format!("network request: {url}"));
                }
            }
            "Network.loadingFailed" => out.push(format!("failed load: {p}")),
            _ => {}
        }
    }
    out
}

#[test]
fn explorer_answers_about_points_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("explorer_answers_about_points_in_headless_chromium")
    else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_clusterlab");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let t = Instant::now();
    let o = Command::new(bin)
        .args(["compare", DATASET, "seed-1d", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    eprintln!("compare: {:.1} s", t.elapsed().as_secs_f64());
    let metrics: Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let info = metrics["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dataset"] == json!(DATASET))
        .unwrap()
        .clone();
    let differ = info["em_kmeans_points_differ"].as_u64().unwrap();
    let k = info["k"].as_u64().unwrap();
    let gmm_row = metrics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dataset"] == json!(DATASET) && r["algorithm"] == json!("gmm"))
        .unwrap()
        .clone();
    let iterations = gmm_row["iterations"].as_u64().unwrap();
    assert!(differ > 0 && iterations >= 2, "{info} {gmm_row}");

    // The fitted model's responsibilities, from `fit gmm --proba` with compare's parameters.
    let o = Command::new(bin)
        .args([
            "fit",
            "gmm",
            DATASET,
            "--standardize",
            "--proba",
            "--json",
            "--k",
        ])
        .arg(k.to_string())
        .arg("--covariance")
        .arg(gmm_row["params"]["covariance"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fit: Value = serde_json::from_slice(&o.stdout).unwrap();
    let resp = fit["responsibilities"].as_array().unwrap().clone();
    assert_eq!(
        fit["gmm"]["n_iter"].as_u64(),
        Some(iterations),
        "{}",
        fit["gmm"]
    );

    let mut b = open_report(&chromium, tmp.path(), &out);

    assert_eq!(
        b.eval("window.clusterlab.datasets"),
        json!([DATASET, "seed-1d"])
    );
    let ds = json!(DATASET);
    b.eval(&format!("window.clusterlab.select({ds}), 0"));
    let state = b.eval("window.clusterlab.state()");
    assert_eq!(state["dataset"], ds);
    assert_eq!(
        state["iteration"],
        json!(iterations),
        "starts at the fitted model"
    );
    assert_eq!(state["shownPoints"], json!(500));

    // Hover points: the most uncertain ones (where a tooltip matters most) and a few others.
    let ranked = b.eval("JSON.parse(document.getElementById('clusterlab-data').textContent).datasets[0].em.ranked.slice(0, 3).map(e => e[0])");
    let mut points: Vec<usize> = ranked
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    points.extend([0, 123, 499]);
    for &i in &points {
        let (x, y) = point_on_screen(&mut b, &ds, i);
        assert!(
            x > 0.0 && y > 0.0 && x < VIEWPORT.0 as f64 && y < VIEWPORT.1 as f64,
            "point {i} at {x}, {y} is off screen"
        );
        let text = hover(&mut b, &ds, i).unwrap_or_else(|| panic!("no tooltip over point {i}"));
        let want = two_decimals(resp[i].as_array().unwrap());
        // Points can overlap on screen: the tooltip is of the nearest, so of
        // `i` unless another point sits exactly there.
        assert!(
            text.starts_with(&format!("point {i}\n")),
            "hovering point {i} shows:\n{text}"
        );
        assert!(
            text.contains(&format!("responsibilities {want}\n")),
            "point {i}: want {want} in\n{text}"
        );
        // Every other algorithm's label, as metrics.json has it.
        for (key, title) in TITLES {
            let label = labels_of(&metrics, key)[i];
            let said = if label < 0 {
                format!("\n{title}: noise")
            } else {
                format!("\n{title}: cluster {label}")
            };
            assert!(text.contains(&said), "point {i}: want `{said}` in\n{text}");
        }
        let disagree = points[..3].contains(&i);
        assert_eq!(
            text.contains("EM and k-means disagree"),
            disagree,
            "point {i}:\n{text}"
        );
        assert!(text.contains("; reachability ") && text.contains("; probability "));
        eprintln!("point {i}: responsibilities {want}");
    }

    // Before the end the page does EM's E-step itself, from the iteration's
    // parameters: at iteration 1 its responsibilities are those `fit` prints
    // after one step from the start (iteration 0's model as `--init-model`).
    let data = page_data(&out);
    let page_ds = &data["datasets"][0];
    assert_eq!(page_ds["name"], ds);
    let one = one_step_from_the_start(
        tmp.path(),
        page_ds,
        &[DATASET, "--k", &k.to_string()],
        &gmm_row["params"]["covariance"],
    );
    let resp1 = one["responsibilities"].as_array().unwrap();
    assert_eq!(
        b.eval(&format!("window.clusterlab.setIteration({ds}, 1)")),
        json!(1)
    );
    for &i in &points {
        check_iteration_one(&mut b, &ds, i, &resp1[i]);
    }

    // EM's iterations: the hook and the slider move it, and the colours follow.
    let colours = "(() => { const c = document.getElementById('ex-scatter'), g = c.getContext('2d'), r = c.getBoundingClientRect(), s = c.width / r.width, out = []; for (let i = 0; i < 500; i += 5) { const p = window.clusterlab.pointScreenPosition('overlap', i); const d = g.getImageData(Math.round((p.x - window.scrollX - r.left) * s), Math.round((p.y - window.scrollY - r.top) * s), 1, 1).data; out.push(d[0] * 65536 + d[1] * 256 + d[2]); } return out; })()";
    b.call(
        "Input.dispatchMouseEvent",
        json!({"type": "mouseMoved", "x": 1, "y": 1}),
    );
    let at_end = b.eval(colours);
    assert_eq!(
        b.eval(&format!("window.clusterlab.setIteration({ds}, 0)")),
        json!(0)
    );
    assert_eq!(b.eval("window.clusterlab.state().iteration"), json!(0));
    let at_start = b.eval(colours);
    let changed = at_end
        .as_array()
        .unwrap()
        .iter()
        .zip(at_start.as_array().unwrap())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        changed >= 10,
        "only {changed} of 100 markers changed colour from the fitted model to the start"
    );
    let mid = iterations / 2;
    assert_eq!(
        b.eval(&format!(
            "window.clusterlab.setIteration({ds}, {mid}), window.clusterlab.state().iteration"
        )),
        json!(mid)
    );
    let slid = b.eval("(() => { const s = document.getElementById('ex-iter'); s.value = '1'; s.dispatchEvent(new Event('input')); return window.clusterlab.state().iteration; })()");
    assert_eq!(slid, json!(1));
    b.eval(&format!(
        "window.clusterlab.setIteration({ds}, {iterations})"
    ));

    // Disagreements: the count is metrics.json's, and the list highlights.
    assert_eq!(
        b.eval(&format!("window.clusterlab.showDisagreements({ds}, true), window.clusterlab.state().shownPoints")),
        json!(differ)
    );
    let first = b.eval("(() => { const b = document.querySelector('#ex-list button'); b.click(); return Number(b.dataset.i); })()");
    assert_eq!(b.eval("window.clusterlab.state().highlighted"), first);
    assert_eq!(
        points[0] as u64,
        first.as_u64().unwrap(),
        "the list starts with the most uncertain"
    );
    assert_eq!(
        b.eval(&format!("window.clusterlab.showDisagreements({ds}, false), window.clusterlab.state().shownPoints")),
        json!(500)
    );
    // The keyboard: focus the plot, step to the first point, its tooltip opens.
    b.call(
        "Input.dispatchMouseEvent",
        json!({"type": "mouseMoved", "x": 1, "y": 1}),
    );
    b.eval("document.getElementById('ex-scatter').focus(), 0");
    b.call(
        "Input.dispatchKeyEvent",
        json!({"type": "keyDown", "key": "ArrowRight", "code": "ArrowRight", "windowsVirtualKeyCode": 39}),
    );
    let tip = b.eval("(() => { const t = document.querySelector('[role=tooltip]'); return t && !t.hidden ? t.textContent : null; })()");
    assert!(
        tip.as_str().is_some_and(|t| t.starts_with("point 0\n")),
        "after → on the plot: {tip}"
    );
    // Another dataset, and the colour selector.
    assert_eq!(
        b.eval("window.clusterlab.select('seed-1d'), window.clusterlab.state().shownPoints"),
        json!(6)
    );
    assert_eq!(
        b.eval("(() => { const s = document.getElementById('ex-colour'); s.value = 'kmeans'; s.dispatchEvent(new Event('change')); return window.clusterlab.state().colourBy; })()"),
        json!("kmeans")
    );

    if let Some(keep) = std::env::var_os("CLUSTERLAB_EXPLORER_SCREENSHOT") {
        b.eval(&format!(
            "window.clusterlab.select({ds}), window.clusterlab.setIteration({ds}, {iterations}), 0"
        ));
        b.eval("document.querySelector('#ex-list button').click(), 0");
        b.eval("(() => { const s = document.getElementById('ex-colour'); s.value = 'em-soft'; s.dispatchEvent(new Event('change')); return 0; })()");
        // The most uncertain point: a boundary point EM and k-means disagree on.
        b.eval("document.activeElement && document.activeElement.blur(), 0");
        hover(&mut b, &ds, points[0]);
        let top = b.eval(
            "document.getElementById('explorer').getBoundingClientRect().top + window.scrollY",
        );
        let shot = b.call(
            "Page.captureScreenshot",
            json!({"format": "png", "clip": {"x": 0, "y": top, "width": 1280, "height": 900, "scale": 1}}),
        );
        std::fs::write(&keep, base64_decode(shot["data"].as_str().unwrap())).unwrap();
        eprintln!("screenshot kept at {}", Path::new(&keep).display());
    }

    b.drain();
    let bad = problems(&b.events);
    assert!(bad.is_empty(), "the page misbehaved:\n{}", bad.join("\n"));
    let requests = b
        .events
        .iter()
        .filter(|e| e["method"] == json!("Network.requestWillBeSent"))
        .count();
    eprintln!("{requests} requests, all to local files");
}

/// The explorer of a report made with `compare --gmm-noise`: a point EM
/// calls noise says so, with its responsibilities (the noise's column last)
/// as `fit gmm --noise --proba` prints them; a cluster point names its
/// component; the page logs no error.
#[test]
fn explorer_shows_the_noise_component() {
    let Some(chromium) = chromium_or_skip("explorer_shows_the_noise_component") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_clusterlab");
    let tmp = tempfile::tempdir().unwrap();
    // Three round clusters and 20 points spread over the box around them.
    let csv = tmp.path().join("background.csv");
    let mut text = String::from("x,y\n");
    let mut state: u64 = 7;
    let mut unif = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    for i in 0..170 {
        let (a, b) = (
            (0..6).map(|_| unif()).sum::<f64>() - 3.0,
            (0..6).map(|_| unif()).sum::<f64>() - 3.0,
        );
        let (x, y) = if i < 150 {
            let c = [[0.0, 0.0], [5.0, 1.0], [2.0, 5.0]][i % 3];
            (c[0] + 0.6 * a, c[1] + 0.6 * b)
        } else {
            (-3.0 + 11.0 * unif(), -3.0 + 11.0 * unif())
        };
        text.push_str(&format!("{x:.4},{y:.4}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = tmp.path().join("report");
    let o = Command::new(bin)
        .arg("compare")
        .arg(&csv)
        .args(["--k", "3", "--gmm-noise", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics: Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let gmm = metrics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["algorithm"] == json!("gmm"))
        .unwrap()
        .clone();
    let labels: Vec<i64> = gmm["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let noise_point = labels.iter().position(|l| *l == -1).expect("a noise point");
    let cluster_point = labels.iter().position(|l| *l >= 0).unwrap();
    let o = Command::new(bin)
        .args(["fit", "gmm"])
        .arg(&csv)
        .args(["--standardize", "--noise", "--proba", "--json", "--k", "3"])
        .arg("--covariance")
        .arg(gmm["params"]["covariance"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fit: Value = serde_json::from_slice(&o.stdout).unwrap();
    let resp = fit["responsibilities"].as_array().unwrap().clone();
    assert_eq!(
        resp[0].as_array().unwrap().len(),
        4,
        "3 clusters and the noise"
    );

    let mut b = open_report(&chromium, tmp.path(), &out);
    let ds = json!("background");
    b.eval(&format!("window.clusterlab.select({ds}), 0"));
    for (i, em) in [
        (noise_point, "EM: noise"),
        (cluster_point, "EM: component "),
    ] {
        let text = hover(&mut b, &ds, i).unwrap_or_else(|| panic!("no tooltip over point {i}"));
        assert!(text.starts_with(&format!("point {i}\n")), "{text}");
        let want = two_decimals(resp[i].as_array().unwrap());
        assert!(
            text.contains(em) && text.contains(&format!("; responsibilities {want}\n")),
            "point {i}: want `{em}` and {want} in\n{text}"
        );
        // The EM line names the noise as the other algorithms' lines name DBSCAN's.
        assert_eq!(text.contains("EM: noise;"), labels[i] < 0, "{text}");
    }
    // Before the end, the page's own E-step has the noise component too: its
    // column last, as `fit --noise --init-model` (iteration 0's model) prints
    // after one step.
    let page_ds = page_data(&out)["datasets"][0].clone();
    assert!(
        page_ds["path"]["noise"][1][0].is_number(),
        "{}",
        page_ds["path"]["noise"]
    );
    let one = one_step_from_the_start(
        tmp.path(),
        &page_ds,
        &[csv.to_str().unwrap(), "--noise", "--k", "3"],
        &gmm["params"]["covariance"],
    );
    let resp1 = one["responsibilities"].as_array().unwrap();
    assert_eq!(resp1[0].as_array().unwrap().len(), 4);
    assert_eq!(
        b.eval(&format!("window.clusterlab.setIteration({ds}, 1)")),
        json!(1)
    );
    for i in [noise_point, cluster_point] {
        check_iteration_one(&mut b, &ds, i, &resp1[i]);
    }
    b.drain();
    let bad = problems(&b.events);
    assert!(bad.is_empty(), "the page misbehaved:\n{}", bad.join("\n"));
}

/// Standard base64 (the screenshot's encoding).
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|&c| val(c) as u32).collect();
        let n = v.iter().fold(0u32, |a, &x| (a << 6) | x) << (6 * (4 - v.len()));
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..v.len()]);
    }
    out
}

#[test]
fn problems_are_console_errors_exceptions_and_network_requests() {
    let events = [
        json!({"method": "Runtime.consoleAPICalled", "params": {"type": "log", "args": []}}),
        json!({"method": "Runtime.consoleAPICalled", "params": {"type": "error", "args": ["x"]}}),
        json!({"method": "Runtime.exceptionThrown", "params": {"exceptionDetails": {}}}),
        json!({"method": "Log.entryAdded", "params": {"entry": {"level": "error", "text": "t"}}}),
        json!({"method": "Network.requestWillBeSent", "params": {"request": {"url": "file:///r/index.html"}}}),
        json!({"method": "Network.requestWillBeSent", "params": {"request": {"url": "https://example.invalid/a.js"}}}),
    ];
    let p = problems(&events);
    assert_eq!(p.len(), 4, "{p:?}");
    assert!(p[0].starts_with("console.error"));
    assert!(p[3].contains("https://example.invalid/a.js"));
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("TWFu"), b"Man");
    assert_eq!(base64_decode("TWE="), b"Ma");
    assert_eq!(base64_decode("TQ=="), b"M");
}
