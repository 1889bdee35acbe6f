// dokja expert export: writes the stage decision's expert inputs (scores and
// roster) straight from the platform's store, so `dokja stage decide` reads
// what the experts submitted without retyping. Safe while `dokja serve`
// runs (SQLite WAL readers, or PostgreSQL).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "store/store.h"
#include "web/expert_export.h"

namespace dokja::cli {
namespace {

struct ExpertExportOptions {
  std::string store_url;
  std::string rubric;  // id or name
  std::string out_dir;
  std::string format = "csv";
  bool require_complete = false;
  bool json = false;
};

Result<int64_t> FindRubric(store::Store& store, const std::string& id_or_name) {
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::Rubric> rubrics, store.ListRubrics());
  for (const store::Rubric& r : rubrics) {
    if (r.name == id_or_name || std::to_string(r.id) == id_or_name) return r.id;
  }
  return Status::NotFound("no rubric with id or name '" + id_or_name + "'");
}

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.flush();
  if (!out) return Status::IOError(path + ": cannot write");
  return Status::OK();
}

// Opening a SQLite path creates a database; an export must not, so a missing
// file is NotFound here.
Status CheckStoreExists(const std::string& url) {
  if (url.rfind("postgres", 0) == 0) return Status::OK();
  const std::string path = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
  if (!std::filesystem::exists(path)) return Status::NotFound(path + ": no such store");
  return Status::OK();
}

int Run(const ExpertExportOptions& opt) {
  const std::string cmd = "expert export";
  if (Status st = CheckStoreExists(opt.store_url); !st.ok()) return ReportError(cmd, st);
  auto store = store::OpenStore(opt.store_url);
  if (!store.ok()) return ReportError(cmd, store.status());
  auto rubric_id = FindRubric(**store, opt.rubric);
  if (!rubric_id.ok()) return ReportError(cmd, rubric_id.status());
  auto exp = web::ExportExpertInputs(**store, *rubric_id, opt.format == "json");
  if (!exp.ok()) return ReportError(cmd, exp.status());
  const size_t pending = exp->n_assignments - exp->n_submitted;
  if (opt.require_complete && pending > 0) {
    return ReportError(cmd, Status::InvalidArgument(std::to_string(pending) + " of " +
                                                    std::to_string(exp->n_assignments) +
                                                    " assignments are not submitted"));
  }
  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (ec) return ReportError(cmd, Status::IOError(opt.out_dir + ": " + ec.message()));
  const std::string scores_path = opt.out_dir + "/expert_scores." + opt.format;
  const std::string roster_path = opt.out_dir + "/expert_roster.csv";
  for (const auto& [path, bytes] :
       {std::pair{scores_path, exp->scores}, {roster_path, exp->roster}}) {
    if (Status st = WriteFile(path, bytes); !st.ok()) return ReportError(cmd, st);
  }
  if (opt.json) {
    nlohmann::ordered_json j = {
        {"rubric", exp->rubric.name},
        {"rubric_id", exp->rubric.id},
        {"scores", exp->n_scores},
        {"assignments", exp->n_assignments},
        {"submitted", exp->n_submitted},
        {"files",
         {{{"role", "expert_scores"}, {"path", scores_path}, {"sha256", Sha256Hex(exp->scores)}},
          {{"role", "expert_roster"}, {"path", roster_path}, {"sha256", Sha256Hex(exp->roster)}}}}};
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  if (pending > 0) {
    std::fprintf(
        stderr,
        "dokja %s: warning: %zu of %zu assignments are not submitted; their scores are left out\n",
        cmd.c_str(), pending, exp->n_assignments);
  }
  std::printf("rubric '%s': %zu scores from %zu submitted assignments\n", exp->rubric.name.c_str(),
              exp->n_scores, exp->n_submitted);
  std::printf("wrote %s\nwrote %s\n", scores_path.c_str(), roster_path.c_str());
  std::printf("stage config:\n  inputs: {expert_scores: %s, expert_roster: %s}\n",
              scores_path.c_str(), roster_path.c_str());
  return kExitOk;
}

}  // namespace

void RegisterExpertExport(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<ExpertExportOptions>();
  CLI::App* expert =
      app.add_subcommand("expert", "Expert evaluation data of the `dokja serve` platform");
  expert->require_subcommand(1);
  CLI::App* cmd = expert->add_subcommand(
      "export", "Write the stage decision's expert scores and roster from the platform's store");
  cmd->add_option("--store", opt->store_url, "Store URL: sqlite:PATH, PATH, or postgresql://...")
      ->required();
  cmd->add_option("--rubric", opt->rubric, "Rubric id or name")->required();
  cmd->add_option("-o,--out", opt->out_dir, "Output folder (created)")->required();
  cmd->add_option("--format", opt->format, "Scores as csv (default) or json")
      ->check(CLI::IsMember({"csv", "json"}));
  cmd->add_flag("--require-complete", opt->require_complete,
                "Fail (exit 3) unless every assignment of the rubric is submitted");
  cmd->add_flag("--json", opt->json, "Machine-readable summary");
  cmd->callback([opt, run] { *run = [opt] { return Run(*opt); }; });
}

}  // namespace dokja::cli
