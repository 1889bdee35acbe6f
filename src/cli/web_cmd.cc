// The human-evaluation platform's commands:
//   dokja serve [--store URL] [--listen HOST:PORT] ...   run the web application
//   dokja serve --create-admin NAME                      bootstrap an admin account
//   dokja invite --store URL --role ROLE [--team ID]     print an invitation link
//   dokja backup --store URL -o FILE                     consistent SQLite copy
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "store/backup.h"
#include "store/store.h"
#include "web/admin_tools.h"
#include "web/app.h"

namespace dokja::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kDefaultStore = "sqlite:dokja-web.db";

struct ServeCliOptions {
  std::string store = kDefaultStore;
  std::string listen = "127.0.0.1:8080";
  std::string create_admin;
  std::string port_file;  // where the bound port is written, for scripts and tests
  bool quiet = false;
  web::WebOptions web;
};

volatile std::sig_atomic_t g_stop_requested = 0;
void OnStopSignal(int) { g_stop_requested = 1; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces).
Status ParseListen(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--listen '" + text + "': expected HOST:PORT");
  }
  *host = text.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  if (host->empty()) *host = "0.0.0.0";
  const std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  const long value = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || value < 0 || value > 65535) {
    return Status::InvalidArgument("--listen '" + text + "': port must be 0-65535");
  }
  *port = static_cast<int>(value);
  return Status::OK();
}

// The admin password: $DOKJA_ADMIN_PASSWORD, else the first line of stdin.
Result<std::string> ReadAdminPassword() {
  if (const char* env = std::getenv("DOKJA_ADMIN_PASSWORD"); env && *env) return std::string(env);
  std::string line;
  if (!std::getline(std::cin, line)) {
    return Status::InvalidArgument(
        "no password: set DOKJA_ADMIN_PASSWORD or pass it on the first line of stdin");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int CreateAdmin(store::Store& store, const ServeCliOptions& opt) {
  auto password = ReadAdminPassword();
  if (!password.ok()) return ReportError("serve", password.status());
  auto id = web::CreateAdminAccount(store, opt.create_admin, *password, NowMs(), false);
  if (!id.ok()) return ReportError("serve", id.status());
  std::printf("created admin '%s' (account %lld)\n", opt.create_admin.c_str(),
              static_cast<long long>(*id));
  return kExitOk;
}

// Writes the port to a temporary file, then renames it into place, so a
// reader never sees a partial number.
Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return Status::IOError("cannot write the port file '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno));
  }
  return Status::OK();
}

int Serve(ServeCliOptions opt) {
  auto store = store::OpenStore(opt.store);
  if (!store.ok()) return ReportError("serve", store.status());
  if (!opt.create_admin.empty()) return CreateAdmin(**store, opt);
  if (Status st = ParseListen(opt.listen, &opt.web.host, &opt.web.port); !st.ok()) {
    return ReportError("serve", st);
  }
  opt.web.log_requests = !opt.quiet;
  const std::string backend(store->get()->backend());
  auto app = web::App::Create(opt.web, std::move(store).value());
  if (!app.ok()) return ReportError("serve", app.status());
  if (Status st = (*app)->Bind(); !st.ok()) return ReportError("serve", st);
  if (!opt.port_file.empty()) {
    if (Status st = WritePortFile(opt.port_file, (*app)->port()); !st.ok()) {
      return ReportError("serve", st);
    }
  }
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  Status listen_status;
  std::atomic<bool> done{false};
  std::thread server([&] {
    listen_status = (*app)->Listen();
    done = true;
  });
  const std::string host = opt.web.host.find(':') != std::string::npos ? "[" + opt.web.host + "]"
                                                                        : opt.web.host;
  std::printf("dokja serve: http://%s:%d/ (store: %s, %d threads); Ctrl-C stops\n", host.c_str(),
              (*app)->port(), backend.c_str(), opt.web.threads);
  std::fflush(stdout);
  while (!g_stop_requested && !done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!done) {
    std::printf("dokja serve: shutting down, finishing requests in progress\n");
    std::fflush(stdout);
  }
  (*app)->Stop();
  server.join();
  if (!listen_status.ok()) return ReportError("serve", listen_status);
  return kExitOk;
}

struct InviteCliOptions {
  std::string store = kDefaultStore;
  std::string role;
  int64_t team = 0;
  std::string base_url = "http://127.0.0.1:8080";
  double days = 7;
  bool json = false;
};

int Invite(const InviteCliOptions& opt) {
  auto role = store::ParseRole(opt.role);
  if (!role.ok()) return ReportError("invite", role.status());
  auto store = store::OpenStore(opt.store);
  if (!store.ok()) return ReportError("invite", store.status());
  const int64_t ttl_ms = static_cast<int64_t>(opt.days * 24 * 3600 * 1000);
  auto inv = web::CreateInvitation(**store, *role, opt.team, 0, NowMs(), ttl_ms);
  if (!inv.ok()) return ReportError("invite", inv.status());
  store::AuditEntry entry;
  entry.action = "invitation.create";
  entry.target = "invitation:" + std::to_string(inv->id);
  entry.detail = Json{{"role", opt.role}, {"team_id", opt.team}, {"via", "command line"}}.dump();
  entry.at_ms = NowMs();
  if (auto audit = (*store)->AppendAudit(entry); !audit.ok()) {
    return ReportError("invite", audit.status());
  }
  std::string base = opt.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/#/invite/" + inv->token;
  if (opt.json) {
    std::printf("%s\n", Json{{"id", inv->id}, {"role", opt.role}, {"team_id", opt.team},
                             {"url", url}, {"expires_ms", inv->expires_ms}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("%s\n", url.c_str());
    std::fprintf(stderr, "invitation %lld for a new %s account; single use, expires in %.3g days\n",
                 static_cast<long long>(inv->id), opt.role.c_str(), opt.days);
  }
  return kExitOk;
}

struct BackupCliOptions {
  std::string store = kDefaultStore;
  std::string out;
  bool json = false;
};

int Backup(const BackupCliOptions& opt) {
  auto report = store::BackupStore(opt.store, opt.out);
  if (!report.ok()) return ReportError("backup", report.status());
  if (opt.json) {
    std::printf("%s\n", Json{{"path", report->path}, {"bytes", report->bytes},
                             {"schema_version", report->schema_version},
                             {"accounts", report->accounts}, {"verified", true}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("backed up %s to %s (%s, schema %lld, %lld accounts; integrity ok)\n",
                opt.store.c_str(), report->path.c_str(), HumanBytes(report->bytes).c_str(),
                static_cast<long long>(report->schema_version),
                static_cast<long long>(report->accounts));
  }
  return kExitOk;
}

}  // namespace

void RegisterWeb(CLI::App& app, std::function<int()>* run) {
  auto serve = std::make_shared<ServeCliOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the human-evaluation web platform");
  cmd->add_option("--store", serve->store, "sqlite:PATH, a file path, or postgresql://...")
      ->capture_default_str();
  cmd->add_option("--listen", serve->listen, "HOST:PORT to listen on (port 0: any free one)")
      ->capture_default_str();
  cmd->add_option("--arena", serve->web.arena_config, "YAML file of arena models");
  cmd->add_option("--materials", serve->web.materials_dir, "Folder for uploaded expert materials")
      ->capture_default_str();
  cmd->add_flag("--secure-cookies", serve->web.secure_cookies,
                "Mark cookies Secure (when served over TLS, e.g. behind a proxy)");
  cmd->add_flag("--trust-proxy", serve->web.trust_proxy,
                "Take the client address from X-Forwarded-For (only behind a proxy)");
  cmd->add_option("--threads", serve->web.threads, "HTTP worker threads")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_option("--daily-vote-cap", serve->web.daily_vote_cap, "Arena votes per user per day")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--address-rate", serve->web.address_rate,
                  "Requests per second per client address (0: unlimited)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--account-rate", serve->web.account_rate,
                  "Requests per second per signed-in account (0: unlimited)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--port-file", serve->port_file,
                  "Write the port to FILE once bound (useful with --listen HOST:0)");
  cmd->add_flag("--quiet", serve->quiet, "No per-request log lines on stderr");
  cmd->add_option("--create-admin", serve->create_admin,
                  "Create an admin account (password from $DOKJA_ADMIN_PASSWORD or stdin), then exit");
  cmd->callback([serve, run] { *run = [serve] { return Serve(*serve); }; });

  auto invite = std::make_shared<InviteCliOptions>();
  CLI::App* inv = app.add_subcommand("invite", "Print a single-use invitation link for a new account");
  inv->add_option("--store", invite->store, "sqlite:PATH, a file path, or postgresql://...")
      ->capture_default_str();
  inv->add_option("--role", invite->role, "admin, expert, user or team")->required();
  inv->add_option("--team", invite->team, "Team id (for --role team)");
  inv->add_option("--base-url", invite->base_url, "Where the platform is reached")
      ->capture_default_str();
  inv->add_option("--days", invite->days, "Days until the link expires")
      ->capture_default_str()->check(CLI::PositiveNumber);
  inv->add_flag("--json", invite->json, "Machine output");
  inv->callback([invite, run] { *run = [invite] { return Invite(*invite); }; });

  auto backup = std::make_shared<BackupCliOptions>();
  CLI::App* bak = app.add_subcommand("backup", "Copy the platform's SQLite store consistently");
  bak->add_option("--store", backup->store, "sqlite:PATH or a file path")->capture_default_str();
  bak->add_option("-o,--out", backup->out, "The new backup file")->required();
  bak->add_flag("--json", backup->json, "Machine output");
  bak->callback([backup, run] { *run = [backup] { return Backup(*backup); }; });
}

}  // namespace dokja::cli
