// Test-only: a `dokja serve` stand-in for the arena's kill -9 load test (and
// anything else that needs a server in its own process). Serves the App over
// a SQLite store on 127.0.0.1 at a free port, with rate limits off, and
// writes the port to PORT_FILE once it is bound.
//
//   arena_serve_helper DB_PATH PORT_FILE
#include <cstdio>
#include <fstream>
#include <string>

#include "store/store.h"
#include "web/app.h"

int main(int argc, char** argv) {
  using namespace dokja;
  if (argc != 3) {
    std::fprintf(stderr, "usage: arena_serve_helper DB_PATH PORT_FILE\n");
    return 2;
  }
  auto store = store::OpenStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "arena_serve_helper: %s\n", store.status().ToString().c_str());
    return 4;
  }
  web::WebOptions options;
  options.port = 0;
  options.log_requests = false;
  options.weak_kdf_for_tests = true;
  options.address_rate = 0;
  options.account_rate = 0;
  options.daily_vote_cap = 0;
  options.threads = 48;
  auto app = web::App::Create(options, std::move(store).value());
  if (!app.ok() || !(*app)->Bind().ok()) {
    std::fprintf(stderr, "arena_serve_helper: cannot start\n");
    return 1;
  }
  const std::string tmp = std::string(argv[2]) + ".tmp";
  std::ofstream(tmp) << (*app)->port() << "\n";
  std::rename(tmp.c_str(), argv[2]);
  return (*app)->Listen().ok() ? 0 : 1;
}
