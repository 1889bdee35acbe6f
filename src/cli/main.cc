// dokja: judging sovereign foundation-model competitions.
// Git-style subcommands; exit codes are documented in docs/cli.md.
#include <cstdio>
#include <exception>
#include <functional>

#include <CLI/CLI.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"

#ifndef DOKJA_VERSION
#define DOKJA_VERSION "dev"
#endif

int main(int argc, char** argv) {
  CLI::App app{"dokja: originality audits, benchmarks and stage decisions for "
               "sovereign foundation-model competitions"};
  app.set_version_flag("--version", std::string("dokja ") + DOKJA_VERSION);
  app.require_subcommand(1);
  std::function<int()> run;
  dokja::cli::RegisterInspect(app, &run);
  dokja::cli::RegisterCompare(app, &run);
  dokja::cli::RegisterAudit(app, &run);
  dokja::cli::RegisterFingerprint(app, &run);
  dokja::cli::RegisterRegistry(app, &run);
  dokja::cli::RegisterRun(app, &run);
  dokja::cli::RegisterServeModel(app, &run);
  dokja::cli::RegisterStage(app, &run);
  dokja::cli::RegisterBench(app, &run);
  dokja::cli::RegisterDemo(app, &run);
  dokja::cli::RegisterWeb(app, &run);
  dokja::cli::RegisterExpertExport(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : dokja::cli::kExitUsage;
  }
  try {
    return run ? run() : dokja::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dokja: internal error: %s\n", e.what());
    return dokja::cli::kExitInternal;
  }
}
