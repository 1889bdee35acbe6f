// JSON and HTML renderings of an AuditReport.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "audit/audit.h"

namespace dokja::audit {
namespace {

using Json = nlohmann::ordered_json;

Json ComparisonJson_(const Comparison& c) {
  Json j;
  j["alignment"] = {{"hidden_permuted", c.hidden_permuted},
                    {"neuron_permuted_layers", c.neuron_permuted_layers},
                    {"head_permuted_layers", c.head_permuted_layers}};
  j["norm_gains"] = {{"raw_cosine", c.norm_gain_cosine},
                     {"pearson", c.norm_gain_pearson},
                     {"log10_p", c.norm_gain_log10_p},
                     {"n_values", c.norm_gain_values}};
  j["components"] = Json::array();
  for (const ComponentVerdict& comp : c.components) {
    Json cj{{"component", comp.component}, {"verdict", VerdictName(comp.verdict)},
            {"reason", comp.reason}, {"log10_p", comp.log10_p},
            {"log10_p_trained", comp.log10_p_trained}, {"median_pearson", comp.median_pearson},
            {"n_tensors", comp.n_tensors},
            {"n_paired", comp.n_paired}, {"n_identical", comp.n_identical},
            {"n_constant_init", comp.n_constant_init}};
    cj["tensors"] = Json::array();
    for (const TensorEvidence& e : comp.tensors) {
      cj["tensors"].push_back({{"candidate", e.candidate}, {"reference", e.reference},
                               {"mapping", e.mapping}, {"identical", e.identical},
                               {"constant_init", e.constant_init}, {"t", e.t}, {"z", e.z},
                               {"pearson", e.pearson}, {"n_values", e.n_values},
                               {"n_nonfinite", e.n_nonfinite}});
    }
    j["components"].push_back(std::move(cj));
  }
  j["layer_map"] = {{"n_candidate", c.layer_map.n_candidate},
                    {"n_reference", c.layer_map.n_reference},
                    {"z", c.layer_map.z},
                    {"mapped", c.layer_map.mapped}};
  return j;
}

Json ScreeningJson(const Screening& s) {
  Json j{{"registry", s.registry}, {"n_entries", s.n_entries}, {"log10_alpha", s.log10_alpha},
         {"seconds", s.seconds}};
  j["suspects"] = Json::array();
  for (const ScreenEntryResult& e : s.entries) {
    if (e.suspect) j["suspects"].push_back(e.name);
  }
  j["entries"] = Json::array();
  for (const ScreenEntryResult& e : s.entries) {
    Json ej{{"name", e.name}, {"weights_path", e.weights_path}, {"suspect", e.suspect},
            {"why", e.why}, {"log10_p", e.log10_p}};
    ej["components"] = Json::array();
    for (const ScreenComponent& c : e.components) {
      ej["components"].push_back({{"component", c.component}, {"copied", c.copied},
                                  {"n_tensors", c.n_tensors}, {"n_informative", c.n_informative},
                                  {"n_exact", c.n_exact}, {"n_paired", c.n_paired},
                                  {"n_values", c.n_values}, {"shared_rows", c.shared_rows},
                                  {"row_containment", c.row_containment},
                                  {"permuted_rows", c.permuted_rows}, {"z", c.z},
                                  {"log10_p", c.log10_p}});
    }
    j["entries"].push_back(std::move(ej));
  }
  return j;
}

std::string Esc(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string Num(double v, const char* fmt = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string Badge(Verdict v) {
  std::string name(VerdictName(v));
  std::string cls = name == "SHARED-INIT" ? "shared" : name == "COPIED" ? "copied"
                  : name == "DERIVED" ? "derived" : name == "ORIGINAL" ? "original" : "inconclusive";
  return "<span class=\"badge " + cls + "\">" + name + "</span>";
}

// Layer x layer heatmap of Stouffer z as an inline SVG (no scripts, no fonts).
std::string Heatmap(const LayerMap& m) {
  if (m.n_candidate == 0 || m.n_reference == 0) return "<p>No layers to map.</p>";
  const int cell = std::max(6, std::min(24, 480 / std::max(m.n_candidate, m.n_reference)));
  const int w = 40 + cell * m.n_reference, h = 20 + cell * m.n_candidate;
  std::string svg = "<svg role=\"img\" aria-label=\"layer map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(w) + "\" height=\"" + std::to_string(h) + "\">";
  for (int32_t a = 0; a < m.n_candidate; ++a) {
    for (int32_t b = 0; b < m.n_reference; ++b) {
      const double z = m.z[static_cast<size_t>(a) * m.n_reference + b];
      // Colour by evidence: white at z <= 2, full at z >= 30.
      const double t = std::clamp((z - 2.0) / 28.0, 0.0, 1.0);
      const int red = 255, gb = static_cast<int>(255 * (1 - t));
      svg += "<rect x=\"" + std::to_string(40 + b * cell) + "\" y=\"" + std::to_string(20 + a * cell) +
             "\" width=\"" + std::to_string(cell - 1) + "\" height=\"" + std::to_string(cell - 1) +
             "\" fill=\"rgb(" + std::to_string(red) + "," + std::to_string(gb) + "," + std::to_string(gb) +
             ")\"><title>candidate layer " + std::to_string(a) + " vs reference layer " +
             std::to_string(b) + ": z = " + Num(z, "%.1f") + "</title></rect>";
    }
  }
  svg += "<text x=\"40\" y=\"14\" font-size=\"11\">reference layer &#8594;</text>";
  svg += "<text x=\"2\" y=\"" + std::to_string(32) + "\" font-size=\"11\">cand.</text></svg>";
  return svg;
}

std::string ScreeningHtml(const Screening& s) {
  std::string h = "<h2>Screening against the registry</h2><p>Fingerprint screening against <strong>" +
                  std::to_string(s.n_entries) + "</strong> registry entr" + (s.n_entries == 1 ? "y" : "ies") +
                  " (<code>" + Esc(s.registry) + "</code>) in " + Num(s.seconds * 1000, "%.1f") +
                  " ms: exact content hashes, shared rows, and the calibrated statistic of aligned "
                  "samples, Bonferroni-corrected over the entries (threshold log10 p &le; " +
                  Num(s.log10_alpha, "%.1f") + "). Suspects with local weights were compared in depth below.</p>";
  h += "<table id=\"screening\"><tr><th>entry</th><th>suspect</th><th class=\"num\">log10 p</th>"
       "<th class=\"num\">identical tensors</th><th class=\"num\">shared rows</th><th>why</th></tr>";
  for (const ScreenEntryResult& e : s.entries) {
    uint64_t exact = 0, rows = 0;
    for (const ScreenComponent& c : e.components) exact += c.n_exact, rows += c.shared_rows;
    h += "<tr><td>" + Esc(e.name) + "</td><td>" + (e.suspect ? "<span class=\"badge copied\">SUSPECT</span>" : "") +
         "</td><td class=\"num\">" + Num(e.log10_p) + "</td><td class=\"num\">" + std::to_string(exact) +
         "</td><td class=\"num\">" + std::to_string(rows) + "</td><td>" + Esc(e.why) + "</td></tr>";
  }
  return h + "</table>";
}

const char* kStyle = R"(
body{font-family:system-ui,"Noto Sans KR",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5em 0} th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;font-size:.92em;vertical-align:top}
th{background:#f4f4f4} .num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.1em .5em;border-radius:.3em;font-weight:600;font-size:.85em}
.copied{background:#b71c1c;color:#fff}.derived{background:#e65100;color:#fff}.shared{background:#f9a825}
.original{background:#2e7d32;color:#fff}.inconclusive{background:#757575;color:#fff}
.note{background:#fffde7;border-left:4px solid #f9a825;padding:.6em 1em} code{background:#f4f4f4;padding:0 .2em}
)";

}  // namespace

std::string ComparisonJson(const Comparison& c) {
  Json j;
  j["candidate"] = c.candidate;
  j["reference"] = c.reference;
  j.update(ComparisonJson_(c));
  return j.dump(2);
}

std::string AuditReportJson(const AuditReport& r) {
  Json j;
  j["candidate"] = r.candidate;
  j["dokja_version"] = r.version;
  j["not_original"] = r.not_original;
  j["options"] = {{"log10_alpha", r.options.log10_alpha},
                  {"max_sample_rows", r.options.max_sample_rows},
                  {"n_references", r.options.n_references}};
  j["null"] = "independent models: per tensor T ~ N(0,1) (self-normalised centred products), "
              "Stouffer across tensors, Bonferroni across references";
  j["findings"] = Json::array();
  for (const Finding& f : r.findings) {
    j["findings"].push_back({{"component", f.component}, {"verdict", VerdictName(f.verdict)},
                             {"reference", f.reference}, {"log10_p", f.log10_p},
                             {"reason", f.reason}});
  }
  if (r.screening) j["screening"] = ScreeningJson(*r.screening);
  j["references"] = Json::array();
  for (const ReferenceResult& ref : r.references) {
    Json rj = ComparisonJson_(ref.comparison);
    rj["path"] = ref.path;
    j["references"].push_back(std::move(rj));
  }
  return j.dump(2);
}

std::string AuditReportHtml(const AuditReport& r) {
  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                  "<title>dokja originality audit (독자성)</title><style>";
  h += kStyle;
  h += "</style></head><body>";
  h += "<h1>Originality audit · 독자성 검증</h1>";
  h += "<p>Candidate: <code>" + Esc(r.candidate) + "</code> · dokja " + Esc(r.version) +
       " · error rate: log10 p &le; " + Num(r.options.log10_alpha, "%.1f") + ", Bonferroni over " +
       std::to_string(r.options.n_references) + " reference(s)</p>";
  h += std::string("<p id=\"outcome\"><strong>") +
       (r.not_original ? "Not original: some component is copied from or derived from a reference."
                       : "No component is copied from or derived from any reference.") +
       "</strong></p>";
  h += "<h2>Findings per component</h2><table id=\"findings\"><tr><th>component</th><th>verdict</th>"
       "<th>reference</th><th class=\"num\">log10 p</th><th>why</th></tr>";
  for (const Finding& f : r.findings) {
    h += "<tr><td>" + Esc(f.component) + "</td><td>" + Badge(f.verdict) + "</td><td>" +
         Esc(f.reference) + "</td><td class=\"num\">" + Num(f.log10_p) + "</td><td>" + Esc(f.reason) +
         "</td></tr>";
  }
  h += "</table>";
  if (r.screening) h += ScreeningHtml(*r.screening);
  for (const ReferenceResult& ref : r.references) {
    const Comparison& c = ref.comparison;
    h += "<h2>Against <code>" + Esc(ref.path) + "</code></h2>";
    std::vector<std::string> undone;
    if (c.hidden_permuted) undone.push_back("a signed permutation of the hidden dimensions");
    if (c.neuron_permuted_layers > 0) {
      undone.push_back("MLP neurons re-matched in " + std::to_string(c.neuron_permuted_layers) + " layer(s)");
    }
    if (c.head_permuted_layers > 0) {
      undone.push_back("attention heads re-matched in " + std::to_string(c.head_permuted_layers) + " layer(s)");
    }
    if (!undone.empty()) {
      std::string list;
      for (const std::string& u : undone) list += (list.empty() ? "" : "; ") + u;
      h += "<p class=\"note\">Function-preserving edits were undone before comparing: " + Esc(list) + ".</p>";
    }
    h += "<table><tr><th>component</th><th>verdict</th><th class=\"num\">log10 p</th>"
         "<th class=\"num\">log10 p (norm gains)</th><th class=\"num\">median r</th>"
         "<th class=\"num\">paired</th>"
         "<th class=\"num\">identical</th><th>why</th></tr>";
    for (const ComponentVerdict& comp : c.components) {
      h += "<tr><td>" + Esc(comp.component) + "</td><td>" + Badge(comp.verdict) +
           "</td><td class=\"num\">" + Num(comp.log10_p) + "</td><td class=\"num\">" +
           Num(comp.log10_p_trained) + "</td><td class=\"num\">" + Num(comp.median_pearson, "%.3f") +
           "</td><td class=\"num\">" + std::to_string(comp.n_paired) + "/" +
           std::to_string(comp.n_tensors) + "</td><td class=\"num\">" + std::to_string(comp.n_identical) +
           "</td><td>" + Esc(comp.reason) + "</td></tr>";
    }
    h += "</table>";
    h += "<p class=\"note\"><strong>Why raw cosine of norm gains is not evidence.</strong> Norm gains "
         "start at 1 and stay near 1, so the raw cosine of any two models' gains is close to 1. Here: "
         "raw cosine <strong>" + Num(c.norm_gain_cosine, "%.4f") + "</strong>, but the Pearson "
         "correlation of the same " + std::to_string(c.norm_gain_values) + " values (their centred "
         "shapes) is <strong>" + Num(c.norm_gain_pearson, "%.4f") + "</strong> and the calibrated "
         "test gives log10 p = <strong>" + Num(c.norm_gain_log10_p) + "</strong>.</p>";
    h += "<h3>Layer map</h3><p>Stouffer z of every (candidate layer, reference layer) pair over "
         "their weight matrices; a diagonal means layers correspond one to one, an offset diagonal "
         "means pruned or duplicated layers.</p>" + Heatmap(c.layer_map);
    h += "<details><summary>Per-tensor evidence</summary><table><tr><th>candidate tensor</th>"
         "<th>reference tensor</th><th>mapping</th><th class=\"num\">T</th>"
         "<th class=\"num\">r</th><th>identical</th></tr>";
    for (const ComponentVerdict& comp : c.components) {
      for (const TensorEvidence& e : comp.tensors) {
        h += "<tr><td>" + Esc(e.candidate) + "</td><td>" + Esc(e.reference) + "</td><td>" +
             Esc(e.mapping) + "</td><td class=\"num\">" + Num(e.t, "%.2f") + "</td><td class=\"num\">" +
             Num(e.pearson, "%.3f") + "</td><td>" + (e.identical ? "yes" : "") + "</td></tr>";
      }
    }
    h += "</table></details>";
  }
  h += "<h2>Method</h2><p>Each paired tensor is centred; T = &Sigma;x<sub>i</sub>/&radic;&Sigma;x<sub>i</sub>&sup2; "
       "over the products of centred values is approximately N(0,1) if the models are independent, "
       "even when rows have very different scales. Stouffer's method combines tensors per "
       "component; Bonferroni corrects for the references screened. Norm gains start as constants, so "
       "their own test tells a transfer of trained weights (DERIVED) from a shared random "
       "initialisation (SHARED-INIT). See docs/audit.md.</p>";
  h += "</body></html>\n";
  return h;
}

}  // namespace dokja::audit
