#include "web/webdriver_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>

#include <httplib.h>

extern char** environ;

namespace dokja::web::testing {

using Json = nlohmann::json;

namespace {

// The W3C key under which an element reference travels.
constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IsExecutable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// Standard base64 (RFC 4648) with padding; Corrupt on any other byte.
Result<std::string> Base64Decode(const std::string& in) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    if (c == '\n' || c == '\r') continue;
    int v = value_of(c);
    if (v < 0) return Status::Corrupt("screenshot: invalid base64 byte");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// Reads chromedriver's log until it names its port; 0 while not yet.
int PortFromLog(const std::string& log_path) {
  std::ifstream in(log_path);
  std::stringstream text;
  text << in.rdbuf();
  static const std::regex kPort(R"(started successfully on port (\d+))");
  std::smatch m;
  std::string s = text.str();
  return std::regex_search(s, m, kPort) ? std::stoi(m[1].str()) : 0;
}

}  // namespace

struct WebDriver::Impl {
  pid_t driver_pid = -1;
  int browser_pid = 0;  // Chromium's main process, from the session capabilities
  int port = 0;
  std::string dir;  // temporary: chromedriver log and the browser profile
  std::string session;
  std::unique_ptr<httplib::Client> http;
};

Result<std::string> FindChromedriver(const WebDriverOptions& options) {
  std::string path = EnvOr("DOKJA_CHROMEDRIVER", options.chromedriver);
  if (!IsExecutable(path)) {
    return Status::NotFound("chromedriver not found at '" + path +
                            "' (Debian package chromium-driver; or set DOKJA_CHROMEDRIVER)");
  }
  return path;
}

Result<std::unique_ptr<WebDriver>> WebDriver::Start(const WebDriverOptions& options) {
  // chromedriver occasionally dies while starting when several tests start
  // browsers at once; a fresh attempt (new folder, new port) then works.
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<WebDriver> driver(new WebDriver());
    driver->impl_ = std::make_unique<Impl>();
    last = driver->Launch(options);
    if (last.ok()) last = driver->OpenSession(options);
    if (last.ok()) return driver;
    if (last.code() != StatusCode::kUnavailable) break;
  }
  return last;
}

WebDriver::~WebDriver() { Shutdown(); }

Status WebDriver::Launch(const WebDriverOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(std::string path, FindChromedriver(options));
  char tmpl[] = "/tmp/dokja-webdriver-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::IOError("webdriver: cannot create a temporary folder");
  impl_->dir = tmpl;
  std::string log_path = impl_->dir + "/chromedriver.log";
  std::vector<std::string> args = {path, "--port=0", "--log-path=" + log_path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawn(&impl_->driver_pid, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    impl_->driver_pid = -1;
    return Status::Unavailable("webdriver: cannot start '" + path + "': " + std::strerror(rc));
  }
  int64_t deadline = NowMs() + options.startup_timeout_ms;
  while ((impl_->port = PortFromLog(log_path)) == 0) {
    int wstatus = 0;
    if (waitpid(impl_->driver_pid, &wstatus, WNOHANG) == impl_->driver_pid) {
      impl_->driver_pid = -1;
      std::ifstream log(log_path);
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      if (text.size() > 2000) text = text.substr(text.size() - 2000);
      return Status::Unavailable("webdriver: chromedriver exited during start-up; its log: " + text);
    }
    if (NowMs() > deadline) return Status::Unavailable("webdriver: chromedriver did not start in time");
    SleepMs(20);
  }
  impl_->http = std::make_unique<httplib::Client>("127.0.0.1", impl_->port);
  impl_->http->set_connection_timeout(5);
  impl_->http->set_read_timeout(options.command_timeout_s);
  impl_->http->set_write_timeout(options.command_timeout_s);
  return Status::OK();
}

Status WebDriver::OpenSession(const WebDriverOptions& options) {
  std::string chromium = EnvOr("DOKJA_CHROMIUM", options.chromium);
  Json chrome_args = Json::array({"--headless=new", "--no-sandbox", "--disable-gpu",
                                  "--disable-dev-shm-usage", "--no-first-run",
                                  "--disable-crash-reporter", "--disable-breakpad",
                                  "--disable-extensions", "--lang=" + options.accept_language,
                                  "--user-data-dir=" + impl_->dir + "/profile",
                                  "--window-size=" + std::to_string(options.width) + "," +
                                      std::to_string(options.height)});
  Json chrome = {{"args", chrome_args},
                 {"prefs", {{"intl.accept_languages", options.accept_language}}}};
  if (IsExecutable(chromium)) chrome["binary"] = chromium;
  Json caps = {{"capabilities",
                {{"alwaysMatch",
                  {{"goog:chromeOptions", chrome}, {"goog:loggingPrefs", {{"browser", "ALL"}}}}}}}};
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("POST", "/session", caps));
  if (!value.contains("sessionId") || !value["sessionId"].is_string()) {
    return Status::Unavailable("webdriver: new session reply has no sessionId");
  }
  impl_->session = value["sessionId"].get<std::string>();
  const Json& got = value.value("capabilities", Json::object());
  if (got.contains("goog:processID") && got["goog:processID"].is_number_integer()) {
    impl_->browser_pid = got["goog:processID"].get<int>();
  }
  return Status::OK();
}

void WebDriver::Shutdown() {
  if (!impl_) return;
  if (!impl_->session.empty() && impl_->http) {
    impl_->http->set_read_timeout(10);
    (void)Command("DELETE", "/session/" + impl_->session);  // closes the browser
    impl_->session.clear();
  }
  if (impl_->driver_pid > 0) {
    kill(impl_->driver_pid, SIGTERM);
    int wstatus = 0;
    for (int i = 0; i < 100 && waitpid(impl_->driver_pid, &wstatus, WNOHANG) == 0; ++i) SleepMs(20);
    if (waitpid(impl_->driver_pid, &wstatus, WNOHANG) == 0) {
      kill(impl_->driver_pid, SIGKILL);
      waitpid(impl_->driver_pid, &wstatus, 0);
    }
    impl_->driver_pid = -1;
  }
  // The browser we started, if the session did not close it.
  if (impl_->browser_pid > 0 && kill(impl_->browser_pid, 0) == 0) kill(impl_->browser_pid, SIGKILL);
  if (!impl_->dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->dir, ec);
  }
  impl_.reset();
}

Result<Json> WebDriver::Command(const std::string& method, const std::string& path,
                                const Json& body) {
  std::string full = path.rfind("/session", 0) == 0 ? path : "/session/" + impl_->session + path;
  std::string payload = body.is_null() ? "{}" : body.dump();
  httplib::Result res = method == "GET"      ? impl_->http->Get(full.c_str())
                        : method == "DELETE" ? impl_->http->Delete(full.c_str())
                                             : impl_->http->Post(full.c_str(), payload, "application/json");
  if (!res) {
    return Status::Unavailable("webdriver: " + method + " " + path + ": " + httplib::to_string(res.error()));
  }
  Json reply = Json::parse(res->body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return Status::Unavailable("webdriver: " + method + " " + path + ": reply is not JSON (HTTP " +
                               std::to_string(res->status) + ")");
  }
  Json value = reply.value("value", Json());
  if (res->status == 200) return value;
  std::string error = value.is_object() ? value.value("error", "unknown error") : "unknown error";
  std::string message = value.is_object() ? value.value("message", "") : "";
  message = message.substr(0, message.find('\n'));
  std::string text = "webdriver: " + method + " " + path + ": " + error + ": " + message;
  if (error == "no such element" || error == "no such alert") return Status::NotFound(text);
  return Status::Unavailable(text);
}

Status WebDriver::Navigate(const std::string& url) {
  return Command("POST", "/url", {{"url", url}}).status();
}

Result<std::string> WebDriver::CurrentUrl() {
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("GET", "/url"));
  if (!value.is_string()) return Status::Unavailable("webdriver: current URL is not a string");
  return value.get<std::string>();
}

Status WebDriver::SetWindowSize(int width, int height) {
  return Command("POST", "/window/rect", {{"width", width}, {"height", height}}).status();
}

Result<std::string> WebDriver::Find(const std::string& css) {
  DOKJA_ASSIGN_OR_RETURN(Json value,
                         Command("POST", "/element", {{"using", "css selector"}, {"value", css}}));
  if (!value.is_object() || !value.contains(kElementKey)) {
    return Status::Unavailable("webdriver: find '" + css + "': reply has no element");
  }
  return value[kElementKey].get<std::string>();
}

Result<std::vector<std::string>> WebDriver::FindAll(const std::string& css) {
  DOKJA_ASSIGN_OR_RETURN(Json value,
                         Command("POST", "/elements", {{"using", "css selector"}, {"value", css}}));
  std::vector<std::string> out;
  for (const Json& item : value) {
    if (item.is_object() && item.contains(kElementKey)) out.push_back(item[kElementKey].get<std::string>());
  }
  return out;
}

Result<std::string> WebDriver::WaitFor(const std::string& css, int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    auto found = Find(css);
    if (found.ok()) {
      auto shown = Command("GET", "/element/" + found.value() + "/displayed");
      if (shown.ok() && shown.value() == true) return found;
    } else if (found.status().code() != StatusCode::kNotFound) {
      return found.status();
    }
    if (NowMs() > deadline) {
      return Status::Unavailable("webdriver: no visible element '" + css + "' after " +
                                 std::to_string(timeout_ms) + " ms");
    }
    SleepMs(50);
  }
}

Status WebDriver::WaitUntil(const std::string& js_expression, int timeout_ms) {
  // A runtime error (e.g. an element the page has not rendered yet) counts
  // as "not yet"; the last one is named if the wait runs out. A script that
  // cannot even be parsed still fails at once.
  const std::string script = "try { return Boolean(" + js_expression +
                             "); } catch (e) { return 'error: ' + String(e); }";
  int64_t deadline = NowMs() + timeout_ms;
  std::string last_error;
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(Json value, Execute(script));
    if (value == true) return Status::OK();
    if (value.is_string()) last_error = value.get<std::string>();
    if (NowMs() > deadline) {
      return Status::Unavailable("webdriver: still false after " + std::to_string(timeout_ms) +
                                 " ms: " + js_expression +
                                 (last_error.empty() ? "" : " (last " + last_error + ")"));
    }
    SleepMs(50);
  }
}

Result<std::string> WebDriver::ActiveElement() {
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("GET", "/element/active"));
  if (!value.is_object() || !value.contains(kElementKey)) {
    return Status::NotFound("webdriver: no element has focus");
  }
  return value[kElementKey].get<std::string>();
}

Status WebDriver::Click(const std::string& element) {
  return Command("POST", "/element/" + element + "/click", Json::object()).status();
}

Status WebDriver::Clear(const std::string& element) {
  return Command("POST", "/element/" + element + "/clear", Json::object()).status();
}

Status WebDriver::SendKeys(const std::string& element, const std::string& text) {
  return Command("POST", "/element/" + element + "/value", {{"text", text}}).status();
}

Result<std::string> WebDriver::Text(const std::string& element) {
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("GET", "/element/" + element + "/text"));
  if (!value.is_string()) return Status::Unavailable("webdriver: element text is not a string");
  return value.get<std::string>();
}

Result<Json> WebDriver::Property(const std::string& element, const std::string& name) {
  return Command("GET", "/element/" + element + "/property/" + name);
}

Result<Json> WebDriver::Execute(const std::string& script, const Json& args) {
  return Command("POST", "/execute/sync", {{"script", script}, {"args", args}});
}

Json WebDriver::ElementArg(const std::string& element) { return {{kElementKey, element}}; }

Result<std::string> WebDriver::AlertText() {
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("GET", "/alert/text"));
  return value.is_string() ? value.get<std::string>() : std::string();
}

Status WebDriver::DismissAlert() {
  return Command("POST", "/alert/dismiss", Json::object()).status();
}

Result<std::vector<std::string>> WebDriver::BrowserLog() {
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("POST", "/se/log", {{"type", "browser"}}));
  std::vector<std::string> out;
  for (const Json& entry : value) {
    if (!entry.is_object()) continue;
    out.push_back(entry.value("level", "") + ": " + entry.value("message", ""));
  }
  return out;
}

Result<std::string> WebDriver::Screenshot() {
  DOKJA_ASSIGN_OR_RETURN(Json value, Command("GET", "/screenshot"));
  if (!value.is_string()) return Status::Unavailable("webdriver: screenshot is not a string");
  DOKJA_ASSIGN_OR_RETURN(std::string png, Base64Decode(value.get<std::string>()));
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    return Status::Corrupt("webdriver: screenshot is not a PNG");
  }
  return png;
}

Status WebDriver::SaveScreenshot(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string png, Screenshot());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  out.close();
  if (!out) return Status::IOError(path + ": cannot write the screenshot");
  return Status::OK();
}

}  // namespace dokja::web::testing
