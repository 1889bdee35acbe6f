// dokja inspect PATH: what a model file or folder holds, without reading the
// weights (or, with --scan, streaming every value once for statistics).
#include <cstdio>
#include <map>
#include <set>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/model.h"
#include "tensorfile/tensor_stats.h"

namespace dokja::cli {
namespace {

using Json = nlohmann::ordered_json;

struct InspectOptions {
  std::string path;
  bool json = false;
  bool tensors = false;
  bool metadata = false;
  bool scan = false;
};

struct DtypeTotals {
  uint64_t params = 0, bytes = 0;
};
struct ComponentSummary {
  std::set<int32_t> layers;
  uint64_t tensors = 0, params = 0, bytes = 0;
  std::map<std::string, DtypeTotals> by_dtype;
};

Json ArchJson(const ModelArch& a) {
  Json j;
  j["source"] = a.source;
  j["architecture"] = a.architecture;
  j["model_type"] = a.model_type;
  if (!a.name.empty()) j["name"] = a.name;
  j["n_layers"] = a.n_layers;
  j["d_model"] = a.d_model;
  j["d_ff"] = a.d_ff;
  j["n_heads"] = a.n_heads;
  j["n_kv_heads"] = a.n_kv_heads;
  j["head_dim"] = a.head_dim;
  j["n_vocab"] = a.n_vocab;
  j["n_ctx"] = a.n_ctx;
  if (a.n_experts) j["n_experts"] = a.n_experts;
  if (a.n_experts_used) j["n_experts_used"] = a.n_experts_used;
  j["rope_theta"] = a.rope_theta;
  j["norm_eps"] = a.norm_eps;
  j["tied_embeddings"] = a.tied_embeddings ? Json(*a.tied_embeddings) : Json(nullptr);
  j["has_vision_config"] = a.has_vision_config;
  j["has_audio_config"] = a.has_audio_config;
  return j;
}

Json StatsJson(const TensorStats& s) {
  return Json{{"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"std", s.stddev},
              {"n_nan", s.n_nan}, {"n_inf", s.n_inf}};
}

Json MetaJson(const MetaValue& v) {
  if (const MetaArray* a = v.AsArray()) {
    if (a->items.size() > 16) return v.ToShortString();
    Json arr = Json::array();
    for (const MetaValue& item : a->items) arr.push_back(MetaJson(item));
    return arr;
  }
  if (const std::string* s = v.AsString()) return *s;
  if (const auto* b = std::get_if<bool>(&v.value)) return *b;
  if (auto i = v.AsInt()) return *i;
  if (const auto* u = std::get_if<uint64_t>(&v.value)) return *u;
  return v.AsDouble().value_or(0);
}

std::string ComponentKey(const CanonicalName& c) {
  std::string key(ComponentName(c.component));
  if (c.component != Component::kText && !c.tower.empty()) key += "[" + c.tower + "]";
  return key;
}

// Scans every tensor once, with a progress bar on terminals.
Result<std::vector<TensorStats>> ScanAll(const TensorFile& f) {
  ProgressBar bar("scanning", f.tensor_bytes());
  std::function<void(uint64_t)> tick = [&](uint64_t n) { bar.Advance(n); };
  std::vector<TensorStats> out;
  for (const TensorInfo& t : f.tensors()) {
    if (!Traits(t.dtype).can_dequantize) {
      out.emplace_back();
      bar.Advance(t.n_bytes);
      continue;
    }
    DOKJA_ASSIGN_OR_RETURN(TensorStats s, ComputeTensorStats(f, t, &tick));
    out.push_back(s);
  }
  bar.Finish();
  return out;
}

void PrintHuman(const Model& m, const Json& j, const InspectOptions& opt) {
  const TensorFile& f = *m.weights;
  std::printf("%s  (%s, %zu file%s, %s)\n", opt.path.c_str(),
              std::string(TensorFormatName(f.format())).c_str(), f.paths().size(),
              f.paths().size() == 1 ? "" : "s", HumanBytes(f.file_bytes()).c_str());
  if (m.arch) {
    const ModelArch& a = *m.arch;
    std::printf("architecture: %s (from %s)\n", a.architecture.c_str(), a.source.c_str());
    std::printf("  layers %lld  d_model %lld  d_ff %lld  heads %lld (kv %lld)  vocab %lld  ctx %lld",
                (long long)a.n_layers, (long long)a.d_model, (long long)a.d_ff,
                (long long)a.n_heads, (long long)a.n_kv_heads, (long long)a.n_vocab,
                (long long)a.n_ctx);
    if (a.n_experts) std::printf("  experts %lld (%lld used)", (long long)a.n_experts, (long long)a.n_experts_used);
    std::printf("\n  rope_theta %g  norm_eps %g  tied embeddings %s\n", a.rope_theta, a.norm_eps,
                a.tied_embeddings ? (*a.tied_embeddings ? "yes" : "no") : "unstated");
  } else {
    std::printf("architecture: unknown (no config.json or GGUF metadata)\n");
  }
  std::string tok;
  for (const auto& t : m.tokenizer_files) tok += (tok.empty() ? "" : ", ") + t;
  std::printf("tokenizer: %s\n\n", tok.empty() ? "none found" : tok.c_str());

  std::printf("%-28s %6s %8s %12s %12s  %s\n", "component", "layers", "tensors", "parameters",
              "bytes", "dtypes");
  for (const auto& c : j["components"]) {
    std::string dtypes;
    for (const auto& [name, d] : c["by_dtype"].items()) {
      dtypes += (dtypes.empty() ? "" : ", ") + name + " " + HumanCount(d["parameters"]);
    }
    std::printf("%-28s %6d %8llu %12s %12s  %s\n", c["component"].get<std::string>().c_str(),
                c["layers"].get<int>(), (unsigned long long)c["tensors"].get<uint64_t>(),
                HumanCount(c["parameters"]).c_str(), HumanBytes(c["bytes"]).c_str(), dtypes.c_str());
  }
  std::printf("%-28s %6s %8llu %12s %12s\n", "total", "",
              (unsigned long long)j["totals"]["tensors"].get<uint64_t>(),
              HumanCount(j["totals"]["parameters"]).c_str(),
              HumanBytes(j["totals"]["bytes"]).c_str());
  const auto& unknown = j["unknown_tensors"];
  std::printf("\nunrecognised tensor names: %zu\n", unknown.size());
  for (const auto& u : unknown) std::printf("  %s\n", u.get<std::string>().c_str());

  if (opt.metadata) {
    std::printf("\nmetadata (%zu keys):\n", f.metadata().size());
    for (const auto& [key, value] : f.metadata().entries()) {
      std::printf("  %-48s %s\n", key.c_str(), value.ToShortString().c_str());
    }
  }
  if (opt.tensors || opt.scan) {
    std::printf("\n%-44s %-36s %-8s %-18s %10s", "tensor", "canonical", "dtype", "shape", "bytes");
    if (opt.scan) std::printf(" %11s %11s %11s %11s %5s", "min", "max", "mean", "std", "nan");
    std::printf("\n");
    for (const auto& t : j["tensors"]) {
      std::printf("%-44s %-36s %-8s %-18s %10s", t["name"].get<std::string>().c_str(),
                  t["canonical"].get<std::string>().c_str(), t["dtype"].get<std::string>().c_str(),
                  t["shape_string"].get<std::string>().c_str(),
                  HumanBytes(t["bytes"]).c_str());
      if (t.contains("stats")) {
        const auto& s = t["stats"];
        std::printf(" %11.4g %11.4g %11.4g %11.4g %5llu", s["min"].get<double>(),
                    s["max"].get<double>(), s["mean"].get<double>(), s["std"].get<double>(),
                    (unsigned long long)s["n_nan"].get<uint64_t>());
      }
      std::printf("\n");
    }
  }
}

Result<Json> BuildReport(const Model& m, const InspectOptions& opt) {
  const TensorFile& f = *m.weights;
  std::vector<std::string> names;
  for (const TensorInfo& t : f.tensors()) names.push_back(t.name);
  std::vector<CanonicalName> canon = CanonicalizeAll(names);
  std::vector<TensorStats> stats;
  if (opt.scan) {
    DOKJA_ASSIGN_OR_RETURN(stats, ScanAll(f));
  }

  Json j;
  j["path"] = opt.path;
  j["format"] = TensorFormatName(f.format());
  j["files"] = Json::array();
  for (const std::string& p : f.paths()) j["files"].push_back(p);
  j["architecture"] = m.arch ? ArchJson(*m.arch) : Json(nullptr);
  j["tokenizer"] = m.tokenizer_files;
  std::map<std::string, ComponentSummary> comps;
  Json unknown = Json::array(), tensors = Json::array();
  uint64_t total_params = 0;
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const TensorInfo& t = f.tensors()[i];
    const CanonicalName& c = canon[i];
    ComponentSummary& s = comps[ComponentKey(c)];
    if (c.layer >= 0) s.layers.insert(c.layer);
    s.tensors++;
    s.params += t.n_elements;
    s.bytes += t.n_bytes;
    auto& d = s.by_dtype[std::string(DTypeName(t.dtype))];
    d.params += t.n_elements;
    d.bytes += t.n_bytes;
    total_params += t.n_elements;
    if (!c.known()) unknown.push_back(t.name);
    if (opt.tensors || opt.scan || opt.json) {
      Json tj{{"name", t.name}, {"canonical", c.ToString()},
              {"component", ComponentName(c.component)}, {"layer", c.layer},
              {"role", RoleName(c.role)}, {"expert", c.expert},
              {"dtype", DTypeName(t.dtype)}, {"shape", t.shape}, {"shape_string", t.ShapeString()},
              {"file", t.file_index}, {"offset", t.offset}, {"bytes", t.n_bytes}};
      if (opt.scan) tj["stats"] = StatsJson(stats[i]);
      tensors.push_back(std::move(tj));
    }
  }
  j["totals"] = {{"tensors", f.tensors().size()}, {"parameters", total_params},
                 {"bytes", f.tensor_bytes()}};
  j["components"] = Json::array();
  for (const auto& [key, s] : comps) {
    Json by = Json::object();
    for (const auto& [name, d] : s.by_dtype) by[name] = {{"parameters", d.params}, {"bytes", d.bytes}};
    j["components"].push_back({{"component", key}, {"layers", s.layers.size()},
                               {"tensors", s.tensors}, {"parameters", s.params},
                               {"bytes", s.bytes}, {"by_dtype", by}});
  }
  j["unknown_tensors"] = unknown;
  if (opt.metadata || opt.json) {
    Json md = Json::object();
    for (const auto& [key, value] : f.metadata().entries()) md[key] = MetaJson(value);
    j["metadata"] = md;
  }
  j["tensors"] = tensors;
  return j;
}

int RunInspect(const InspectOptions& opt) {
  auto model = OpenModel(io::Env::Default(), opt.path);
  if (!model.ok()) return ReportError("inspect", model.status());
  auto report = BuildReport(*model, opt);
  if (!report.ok()) return ReportError("inspect", report.status());
  if (opt.json) {
    Json out = *report;
    for (auto& t : out["tensors"]) t.erase("shape_string");
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    PrintHuman(*model, *report, opt);
  }
  return kExitOk;
}

}  // namespace

void RegisterInspect(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show what a model holds: components, layers, parameters by dtype, "
                 "architecture, tokenizer; --tensors lists every tensor with its canonical name");
  cmd->add_option("path", opt->path,
                  "Model folder, .safetensors, .safetensors.index.json or .gguf file")
      ->required();
  cmd->add_flag("--json", opt->json, "Machine-readable output (see docs/cli.md)");
  cmd->add_flag("--tensors", opt->tensors, "List every tensor");
  cmd->add_flag("--metadata", opt->metadata, "List file metadata (GGUF KV, safetensors __metadata__)");
  cmd->add_flag("--scan", opt->scan,
                "Read every value once: per-tensor min/max/mean/std and NaN/Inf counts");
  cmd->callback([opt, run] { *run = [opt] { return RunInspect(*opt); }; });
}

}  // namespace dokja::cli
