//! NVD's CVE API 2.0 JSON (`/rest/json/cves/2.0` responses and the `nvdcve-2.0-*.json` feeds): a
//! `vulnerabilities` array of `{ "cve": { "id", "metrics": { "cvssMetricV40", "cvssMetricV31",
//! "cvssMetricV30", "cvssMetricV2" } } }`.
//!
//! NVD names no package in an ecosystem we match, so its records carry no affected entries; they
//! bring CVSS for CVE ids, which findings whose own advisory has no severity take through their
//! aliases (see `query`). Per metric version the `Primary` (NVD's own) score is preferred over a
//! `Secondary` (CNA) one.

use crate::load::{Claim, Converter};
use crate::model::{Advisory, Reference, ScoreKind, SeverityScore};

use super::{advisory, ConvertError};

pub static CONVERTER: Converter = Converter {
    name: "nvd-cve-2.0",
    detect: |c| {
        // The format marker sits in the first lines of every API response and feed file.
        let mut n = c.text.len().min(4096);
        while !c.text.is_char_boundary(n) {
            n -= 1;
        }
        let head = &c.text[..n];
        if c.ext == "json" && head.contains("\"NVD_CVE\"") {
            Claim::Yes
        } else {
            Claim::No
        }
    },
    convert: |c| convert(c.text).map_err(|e| e.to_string()),
};

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    format: Option<String>,
    vulnerabilities: Vec<Item>,
}

#[derive(serde::Deserialize)]
struct Item {
    cve: Cve,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cve {
    id: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<LangString>,
    #[serde(default)]
    metrics: Metrics,
    #[serde(default)]
    references: Vec<RawReference>,
}

#[derive(serde::Deserialize)]
struct LangString {
    lang: String,
    value: String,
}

#[derive(serde::Deserialize)]
struct RawReference {
    url: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    #[serde(default)]
    cvss_metric_v40: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v31: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v30: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v2: Vec<Metric>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    cvss_data: CvssData,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssData {
    vector_string: String,
}

/// The vector of the `Primary` metric, else the first.
fn pick(metrics: &[Metric]) -> Option<&str> {
    metrics
        .iter()
        .find(|m| m.kind.as_deref() == Some("Primary"))
        .or_else(|| metrics.first())
        .map(|m| m.cvss_data.vector_string.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// Converts one NVD CVE API 2.0 document into one advisory per CVE (no affected entries).
pub fn convert(text: &str) -> Result<Vec<Advisory>, ConvertError> {
    let r: Response = serde_json::from_str(text).map_err(|e| ConvertError::syntax("NVD CVE JSON", &e))?;
    if r.format.as_deref().is_some_and(|f| f != "NVD_CVE") {
        return Err(ConvertError::Invalid(format!("format {:?} is not NVD_CVE", r.format)));
    }
    let mut out = Vec::with_capacity(r.vulnerabilities.len());
    for item in r.vulnerabilities {
        let c = item.cve;
        if !c.id.starts_with("CVE-") {
            return Err(ConvertError::Invalid(format!("{:?} is not a CVE id", c.id)));
        }
        let mut a = advisory(&c.id);
        a.published = c.published;
        a.modified = c.last_modified;
        if c.vuln_status.as_deref() == Some("Rejected") {
            a.withdrawn.clone_from(&a.modified);
        }
        a.details = c.descriptions.into_iter().find(|d| d.lang == "en").map(|d| d.value);
        let m = &c.metrics;
        for (list, kind) in [
            (&m.cvss_metric_v40, ScoreKind::CvssV4),
            (&m.cvss_metric_v31, ScoreKind::CvssV3),
            (&m.cvss_metric_v30, ScoreKind::CvssV3),
            (&m.cvss_metric_v2, ScoreKind::CvssV2),
        ] {
            if let Some(v) = pick(list) {
                if !a.severity.iter().any(|s| s.kind == kind) {
                    a.severity.push(SeverityScore { kind, score: v.to_owned() });
                }
            }
        }
        a.references = c.references.into_iter().map(|r| Reference { kind: "WEB".into(), url: r.url }).collect();
        out.push(a);
    }
    Ok(out)
}
