// dokja registry add|list|show|remove: the local registry of reference fingerprints.
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "audit/registry.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "io/env.h"

namespace dokja::cli {
namespace {

using Json = nlohmann::ordered_json;

struct RegistryCliOptions {
  std::string registry;
  bool json = false;
  std::string name, model;
  audit::RegistryEntry entry;
  std::string weights;
};

Json EntryJson(const audit::RegistryEntry& e) {
  return {{"name", e.name}, {"source", e.source}, {"licence", e.licence}, {"date", e.date},
          {"weights_path", e.weights_path}, {"n_params", e.n_params},
          {"fingerprint_bytes", e.fingerprint_bytes}};
}

// A fingerprint file as it is, or a model fingerprinted now.
Result<audit::Fingerprint> LoadOrCompute(const std::string& path, bool* is_model) {
  *is_model = !audit::LooksLikeFingerprintFile(path);
  if (!*is_model) return audit::ReadFingerprintFile(path);
  DOKJA_ASSIGN_OR_RETURN(Model m, OpenModel(io::Env::Default(), path));
  return audit::ComputeFingerprint(m);
}

int Add(audit::Registry& reg, RegistryCliOptions opt) {
  bool is_model = false;
  auto fp = LoadOrCompute(opt.model, &is_model);
  if (!fp.ok()) return ReportError("registry add", fp.status());
  opt.entry.name = opt.name;
  std::error_code ec;
  if (!opt.weights.empty()) {
    opt.entry.weights_path = std::filesystem::absolute(opt.weights, ec).string();
  } else if (is_model) {
    opt.entry.weights_path = std::filesystem::absolute(opt.model, ec).string();
  }
  if (Status s = reg.Add(opt.entry, *fp); !s.ok()) return ReportError("registry add", s);
  std::printf("added '%s' (%s params, %zu tensors) to %s\n", opt.name.c_str(),
              HumanCount(fp->n_params).c_str(), fp->tensors.size(), reg.path().c_str());
  return kExitOk;
}

int List(audit::Registry& reg, const RegistryCliOptions& opt) {
  auto list = reg.List();
  if (!list.ok()) return ReportError("registry list", list.status());
  if (opt.json) {
    Json j = Json::array();
    for (const auto& e : *list) j.push_back(EntryJson(e));
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-24s %-10s %-10s %-14s %10s  %s\n", "name", "date", "params", "licence", "fingerprint", "source");
  for (const auto& e : *list) {
    std::printf("%-24s %-10s %-10s %-14s %10s  %s\n", e.name.c_str(), e.date.c_str(),
                HumanCount(e.n_params).c_str(), e.licence.c_str(), HumanBytes(e.fingerprint_bytes).c_str(),
                e.source.c_str());
  }
  std::printf("%zu entr%s in %s\n", list->size(), list->size() == 1 ? "y" : "ies", reg.path().c_str());
  return kExitOk;
}

int Show(audit::Registry& reg, const RegistryCliOptions& opt) {
  auto got = reg.Get(opt.name);
  if (!got.ok()) return ReportError("registry show", got.status());
  const auto& [e, fp] = *got;
  Json j = EntryJson(e);
  j["fingerprint"] = {{"source", fp.source}, {"format", fp.format}, {"architecture", fp.architecture},
                      {"tensors", fp.tensors.size()}, {"anchors", fp.anchors.size()},
                      {"tensor_bytes", fp.tensor_bytes}};
  if (opt.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("name          %s\nsource        %s\nlicence       %s\ndate          %s\nweights       %s\n"
              "params        %s\ntensors       %zu (%s stored)\nanchors       %zu\nfingerprint   %s, from %s (%s)\n",
              e.name.c_str(), e.source.c_str(), e.licence.c_str(), e.date.c_str(),
              e.weights_path.empty() ? "(none)" : e.weights_path.c_str(), HumanCount(e.n_params).c_str(),
              fp.tensors.size(), HumanBytes(fp.tensor_bytes).c_str(), fp.anchors.size(),
              HumanBytes(e.fingerprint_bytes).c_str(), fp.source.c_str(), fp.format.c_str());
  return kExitOk;
}

int Dispatch(const std::string& action, const RegistryCliOptions& opt) {
  const std::string path = opt.registry.empty() ? audit::DefaultRegistryPath() : opt.registry;
  auto reg = audit::Registry::Open(path);
  if (!reg.ok()) return ReportError("registry", reg.status());
  if (action == "add") return Add(**reg, opt);
  if (action == "list") return List(**reg, opt);
  if (action == "show") return Show(**reg, opt);
  if (Status s = (*reg)->Remove(opt.name); !s.ok()) return ReportError("registry remove", s);
  std::printf("removed '%s' from %s\n", opt.name.c_str(), path.c_str());
  return kExitOk;
}

}  // namespace

void RegisterRegistry(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<RegistryCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "registry", "The local registry of reference fingerprints that `dokja audit --registry` screens against");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  cmd->add_option("--registry", opt->registry,
                  "Registry database (default: $DOKJA_REGISTRY, else ~/.local/share/dokja/registry.db)");
  cmd->add_flag("--json", opt->json, "Machine-readable output");
  auto bind = [opt, run](CLI::App* sub, std::string action) {
    sub->callback([opt, run, action] { *run = [opt, action] { return Dispatch(action, *opt); }; });
  };
  CLI::App* add = cmd->add_subcommand("add", "Add a reference: a model (fingerprinted now) or a fingerprint file");
  add->add_option("name", opt->name, "Unique name of the entry")->required();
  add->add_option("model", opt->model, "Model folder/file, or a file written by `dokja fingerprint`")->required();
  add->add_option("--source", opt->entry.source, "Where the model comes from (URL, organisation)");
  add->add_option("--licence,--license", opt->entry.licence, "Its licence");
  add->add_option("--date", opt->entry.date, "Release date (default: today, UTC)");
  add->add_option("--weights", opt->weights,
                  "Local weights for the deep comparison (default: the model given, if not a fingerprint)");
  bind(add, "add");
  bind(cmd->add_subcommand("list", "List the entries"), "list");
  CLI::App* show = cmd->add_subcommand("show", "Show one entry and its fingerprint's summary");
  show->add_option("name", opt->name, "Entry name")->required();
  bind(show, "show");
  CLI::App* remove = cmd->add_subcommand("remove", "Remove an entry");
  remove->add_option("name", opt->name, "Entry name")->required();
  bind(remove, "remove");
}

}  // namespace dokja::cli
