// Each subcommand registers itself on the app and, when chosen, leaves the
// function to run in *run. Adding a command: one file, one Register call in main.cc.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace dokja::cli {

void RegisterInspect(CLI::App& app, std::function<int()>* run);
void RegisterCompare(CLI::App& app, std::function<int()>* run);
void RegisterAudit(CLI::App& app, std::function<int()>* run);
void RegisterFingerprint(CLI::App& app, std::function<int()>* run);
void RegisterRegistry(CLI::App& app, std::function<int()>* run);
void RegisterRun(CLI::App& app, std::function<int()>* run);
void RegisterServeModel(CLI::App& app, std::function<int()>* run);
void RegisterStage(CLI::App& app, std::function<int()>* run);
void RegisterBench(CLI::App& app, std::function<int()>* run);
void RegisterDemo(CLI::App& app, std::function<int()>* run);
// `dokja serve`, `dokja invite`, `dokja backup`: the human-evaluation platform.
void RegisterWeb(CLI::App& app, std::function<int()>* run);
void RegisterExpertExport(CLI::App& app, std::function<int()>* run);
// `dokja bench run`, registered on the `bench` command by RegisterBench.
void RegisterBenchRun(CLI::App& bench, std::function<int()>* run);

}  // namespace dokja::cli
