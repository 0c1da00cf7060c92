//! `index.html`: one self-contained page (inline CSS and script, relative
//! links, no external assets) linking every picture and table, readable
//! straight from the file system, with the explorer ([`crate::explorer`]).

use crate::runner::{Picture, RunSummary};
use crate::study::Study;
use crate::tables::{cell, params_text, secs};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Percent-encodes a relative link (path segments kept).
pub fn href(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

const CSS: &str = r#"
:root { --ink:#1e1e1e; --muted:#5a5a5a; --line:#d9d9d9; --accent:#0072B2; --bg:#fafafa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
header, main { max-width: 1480px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 30px; margin: 0 0 6px; }
h2 { font-size: 24px; margin: 40px 0 6px; padding-top: 12px; border-top: 2px solid var(--line); }
p.lead { max-width: 980px; color: var(--muted); margin: 4px 0 12px; }
nav { margin: 12px 0; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a, a { color: var(--accent); }
.files a { margin-right: 14px; }
.facts { color: var(--muted); margin: 0 0 8px; }
.em { background: #fff; border-left: 4px solid #D55E00; padding: 8px 14px; margin: 10px 0 14px; max-width: 1100px; }
table { border-collapse: collapse; background: #fff; margin: 8px 0 16px; font-size: 15px; }
th, td { border: 1px solid var(--line); padding: 5px 10px; text-align: right; vertical-align: top; }
th { background: #f0f0f0; }
td.l, th.l { text-align: left; }
td.err { color: #b00020; text-align: left; max-width: 520px; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 18px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); padding: 8px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 14px; color: var(--muted); margin-top: 6px; }
figure.wide img { max-width: 1400px; }
.note { background: #fff4e5; border: 1px solid #f0c27a; padding: 8px 14px; font-size: 14px; }
footer { max-width: 1480px; margin: 40px auto; padding: 0 24px; color: var(--muted); font-size: 14px; }
"#;

fn dataset_section(s: &Study, sum: &RunSummary) -> String {
    let slug = s.slug();
    let mut o = String::new();
    o.push_str(&format!(
        "<section id=\"{}\">\n<h2>{}</h2>\n",
        esc(&slug),
        esc(&s.name)
    ));
    o.push_str(&format!(
        "<p class=\"facts\">{} points × {} feature{} ({}), from {}. k = {} ({}). {}.{}{}</p>\n",
        s.n,
        s.d,
        if s.d == 1 { "" } else { "s" },
        esc(&s.feature_names.join(", ")),
        esc(&s.source),
        s.k,
        s.k_rule.describe(),
        esc(&s.model_note),
        if s.standardized {
            " Algorithms see z-scored features."
        } else {
            ""
        },
        if s.view.is_pca() {
            " Pictures show the first two principal components."
        } else {
            ""
        },
    ));
    o.push_str(&format!(
        "<p><a href=\"#explorer\" data-explore=\"{}\">Explore {} point by point</a></p>\n",
        esc(&s.name),
        esc(&s.name)
    ));
    match &s.pair {
        Ok(p) => o.push_str(&format!(
            "<div class=\"em\"><b>EM vs k-means:</b> they agree on {:.1}% of the points; {} differ. {} {}</div>\n",
            100.0 * p.agreement,
            p.differ.len(),
            esc(&crate::explain::tell(p).headline),
            esc(&crate::explain::tell(p).detail)
        )),
        Err(e) => o.push_str(&format!(
            "<div class=\"em\"><b>EM vs k-means:</b> not available: {}</div>\n",
            esc(e)
        )),
    }
    o.push_str("<table>\n<tr><th class=\"l\">algorithm</th><th>clusters</th><th>noise</th><th>ARI</th><th>NMI</th><th>silhouette</th><th>fit time</th><th class=\"l\">parameters / notes</th></tr>\n");
    for r in &s.runs {
        match &r.result {
            Ok(c) => {
                let notes = match r.gmm() {
                    Some(f) => format!(
                        "{}; log-lik/pt {:.3}, BIC {:.1}, {} iterations{}",
                        params_text(&r.params),
                        f.log_likelihood,
                        f.model.bic(s.z.view()).unwrap_or(f64::NAN),
                        f.n_iter,
                        if f.converged { ", converged" } else { ", not converged" }
                    ),
                    None => params_text(&r.params),
                };
                let notes = match &c.approximation {
                    Some(a) => format!("{notes}; {}: {}", a.method, a.note),
                    None => notes,
                };
                let notes = crate::tables::with_warnings(notes, &r.warnings);
                o.push_str(&format!(
                    "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>\n",
                    esc(r.algorithm.title()),
                    c.n_clusters,
                    c.n_noise,
                    cell(r.ari),
                    cell(r.nmi),
                    cell(r.silhouette),
                    secs(c.fit_seconds),
                    esc(&notes)
                ));
            }
            Err(e) => o.push_str(&format!(
                "<tr><td class=\"l\">{}</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td class=\"err\">error: {}</td></tr>\n",
                esc(r.algorithm.title()),
                esc(e)
            )),
        }
    }
    o.push_str("</table>\n<div class=\"gallery\">\n");
    let mut missing = Vec::new();
    for p in Picture::ALL {
        let rel = format!("{slug}/{}", p.file());
        if sum
            .files
            .iter()
            .any(|f| f.to_string_lossy().replace('\\', "/") == rel)
        {
            o.push_str(&format!(
                "<figure><a href=\"{h}\"><img src=\"{h}\" alt=\"{alt}\" loading=\"lazy\"></a><figcaption><b>{file}</b> — {cap}</figcaption></figure>\n",
                h = href(&rel),
                alt = esc(&format!("{} — {}", s.name, p.file())),
                file = esc(p.file()),
                cap = esc(p.caption())
            ));
        } else if let Some(why) = sum.skipped.iter().find(|m| m.starts_with(&rel)) {
            missing.push(why.clone());
        }
    }
    o.push_str("</div>\n");
    if !missing.is_empty() {
        o.push_str("<p class=\"note\">Not drawn: ");
        o.push_str(
            &missing
                .iter()
                .map(|m| esc(m))
                .collect::<Vec<_>>()
                .join("; "),
        );
        o.push_str("</p>\n");
    }
    o.push_str("</section>\n");
    o
}

/// The opening section: the dataset where EM and k-means differ most, and
/// the agreement on every dataset.
fn highlights(sum: &RunSummary) -> String {
    let mut o = String::new();
    let best = sum
        .studies
        .iter()
        .filter_map(|s| s.pair.as_ref().ok().map(|p| (s, p)))
        .max_by(|a, b| (1.0 - a.1.agreement).total_cmp(&(1.0 - b.1.agreement)));
    let Some((s, p)) = best else {
        return o;
    };
    let slug = s.slug();
    o.push_str("<h2 id=\"differ\">Where EM differs from k-means</h2>\n");
    o.push_str(&format!(
        "<p class=\"lead\">Most on <a href=\"#{}\">{}</a>: {} of {} points ({:.1}%) get a different cluster. {}</p>\n<div class=\"gallery\">\n",
        esc(&slug),
        esc(&s.name),
        p.differ.len(),
        s.n,
        100.0 * (1.0 - p.agreement),
        esc(&crate::explain::tell(p).headline)
    ));
    for pic in [Picture::EmVsKmeans, Picture::HardVsSoft] {
        let rel = format!("{slug}/{}", pic.file());
        if sum
            .files
            .iter()
            .any(|f| f.to_string_lossy().replace('\\', "/") == rel)
        {
            o.push_str(&format!(
                "<figure><a href=\"{h}\"><img src=\"{h}\" alt=\"{alt}\"></a><figcaption>{cap}</figcaption></figure>\n",
                h = href(&rel),
                alt = esc(&format!("{} — {}", s.name, pic.file())),
                cap = esc(pic.caption())
            ));
        }
    }
    o.push_str("</div>\n<table>\n<tr><th class=\"l\">dataset</th><th>k</th><th>EM = k-means</th><th>points differ</th><th class=\"l\">why (from the fitted components)</th></tr>\n");
    for s in &sum.studies {
        match &s.pair {
            Ok(p) => o.push_str(&format!(
                "<tr><td class=\"l\"><a href=\"#{}\">{}</a></td><td>{}</td><td>{:.1}%</td><td>{}</td><td class=\"l\">{}</td></tr>\n",
                esc(&s.slug()),
                esc(&s.name),
                s.k,
                100.0 * p.agreement,
                p.differ.len(),
                esc(&crate::explain::tell(p).headline)
            )),
            Err(e) => o.push_str(&format!(
                "<tr><td class=\"l\"><a href=\"#{}\">{}</a></td><td>{}</td><td>–</td><td>–</td><td class=\"err\">{}</td></tr>\n",
                esc(&s.slug()),
                esc(&s.name),
                s.k,
                esc(e)
            )),
        }
    }
    o.push_str("</table>\n");
    o
}

/// The whole page.
pub fn index(sum: &RunSummary) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>clusterlab compare — hard versus soft clustering</title>\n<style>");
    o.push_str(CSS);
    o.push_str(crate::explorer::STYLE);
    o.push_str("</style>\n</head>\n<body>\n<header>\n<h1>clusterlab compare: hard versus soft clustering</h1>\n");
    o.push_str("<p class=\"lead\">k-means makes a hard decision: each point belongs to exactly one cluster. EM for a Gaussian mixture keeps the uncertainty: each point has a <i>responsibility</i> r<sub>ij</sub> for every component j — the probability that component j explains it — so a point between two clouds counts fractionally toward both. The pictures below show where that makes EM differ from k-means, next to k-medoids, DBSCAN, OPTICS and HDBSCAN.</p>\n");
    o.push_str(&format!(
        "<p class=\"files\">{} datasets × {} algorithms · fitting {:.1} s, rendering {:.1} s · <a href=\"grid.png\">grid.png</a> <a href=\"metrics.json\">metrics.json</a> <a href=\"metrics.csv\">metrics.csv</a> <a href=\"summary.md\">summary.md</a></p>\n",
        sum.studies.len(),
        sum.algorithms.len(),
        sum.fit_seconds,
        sum.render_seconds
    ));
    o.push_str("<nav>");
    for s in &sum.studies {
        o.push_str(&format!(
            "<a href=\"#{}\">{}</a>",
            esc(&s.slug()),
            esc(&s.name)
        ));
    }
    o.push_str("</nav>\n</header>\n<main>\n");
    o.push_str(&highlights(sum));
    o.push_str(&crate::explorer::section(&sum.studies));
    if sum.files.iter().any(|f| f.as_os_str() == "grid.png") {
        o.push_str("<h2 id=\"grid\">Every algorithm on every dataset</h2>\n<figure class=\"wide\"><a href=\"grid.png\"><img src=\"grid.png\" alt=\"grid of clusterings: one row per dataset, one column per algorithm\"></a><figcaption>One row per dataset, one column per algorithm (scikit-learn's cluster-comparison layout). Grey is noise; each panel shows the ARI against the ground truth and the fit time.</figcaption></figure>\n");
    }
    for s in &sum.studies {
        o.push_str(&dataset_section(s, sum));
    }
    o.push_str("</main>\n<footer>Written by <code>clusterlab compare</code>. Colours: Okabe–Ito palette; noise grey.</footer>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(href("my data/x.png"), "my%20data/x.png");
    }
}
