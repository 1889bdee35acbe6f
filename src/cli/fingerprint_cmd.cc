// dokja fingerprint MODEL -o FILE: the compact fingerprint screening uses.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "audit/fingerprint.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "io/env.h"

namespace dokja::cli {
namespace {

struct FingerprintCliOptions {
  std::string model;
  std::string output;
  bool json = false;
};

int RunFingerprintCmd(const FingerprintCliOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  auto model = OpenModel(io::Env::Default(), opt.model);
  if (!model.ok()) return ReportError("fingerprint", model.status());
  auto fp = audit::ComputeFingerprint(*model);
  if (!fp.ok()) return ReportError("fingerprint", fp.status());
  if (Status s = audit::WriteFingerprintFile(opt.output, *fp); !s.ok()) return ReportError("fingerprint", s);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t fp_bytes = std::filesystem::file_size(opt.output);
  const uint64_t model_bytes = model->weights->file_bytes();
  const double share = model_bytes ? 100.0 * static_cast<double>(fp_bytes) / static_cast<double>(model_bytes) : 0;
  if (opt.json) {
    nlohmann::ordered_json j{{"model", opt.model}, {"output", opt.output},
                             {"tensors", fp->tensors.size()}, {"anchors", fp->anchors.size()},
                             {"n_params", fp->n_params}, {"model_bytes", model_bytes},
                             {"fingerprint_bytes", fp_bytes}, {"percent_of_model", share},
                             {"seconds", seconds}};
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s: %zu tensors, %zu anchor tokens, %s params\n", opt.model.c_str(), fp->tensors.size(),
              fp->anchors.size(), HumanCount(fp->n_params).c_str());
  std::printf("wrote %s: %s (%.3f%% of the model's %s) in %.2f s (%.0f MB/s)\n", opt.output.c_str(),
              HumanBytes(fp_bytes).c_str(), share, HumanBytes(model_bytes).c_str(), seconds,
              static_cast<double>(model_bytes) / 1e6 / std::max(seconds, 1e-9));
  return kExitOk;
}

}  // namespace

void RegisterFingerprint(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<FingerprintCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "fingerprint", "Write MODEL's fingerprint (content hashes, row sketches, samples, anchor "
                     "tokens) for screening; format in docs/formats/fingerprint.md");
  cmd->add_option("model", opt->model, "Model folder or weights file")->required();
  cmd->add_option("-o,--output", opt->output, "Fingerprint file to write")->required();
  cmd->add_flag("--json", opt->json, "Print a JSON summary");
  cmd->callback([opt, run] { *run = [opt] { return RunFingerprintCmd(*opt); }; });
}

}  // namespace dokja::cli
