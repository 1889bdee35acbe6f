// Test support: a small W3C WebDriver client that drives a real headless
// Chromium through chromedriver (Debian packages chromium, chromium-driver).
// Used by the browser tests of the UI (browser_test.cc).
//
// WebDriver::Start launches chromedriver on a free port (--port=0, the port
// read back from its log), opens one session with headless Chromium in a
// fresh profile, and the destructor ends the session (closing the browser)
// and stops chromedriver. Elements are the W3C element ids (strings).
//
// Thread-compatible: one thread drives one WebDriver.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace dokja::web::testing {

// WebDriver's codes for special keys (Private Use Area characters, UTF-8).
inline constexpr const char* kTabKey = "\xEE\x80\x84";    // U+E004
inline constexpr const char* kEnterKey = "\xEE\x80\x87";  // U+E007

struct WebDriverOptions {
  std::string chromedriver = "/usr/bin/chromedriver";  // $DOKJA_CHROMEDRIVER overrides
  std::string chromium = "/usr/bin/chromium";          // $DOKJA_CHROMIUM overrides
  int width = 1280;                 // initial window size in CSS pixels
  int height = 900;
  std::string accept_language = "en-US";  // navigator.language of the page
  int startup_timeout_ms = 30000;   // chromedriver up and the browser started
  int command_timeout_s = 60;       // any one WebDriver command
};

// The chromedriver that Start would run, or NotFound naming the path.
Result<std::string> FindChromedriver(const WebDriverOptions& options = {});

class WebDriver final {
 public:
  // Unavailable when chromedriver or Chromium cannot start (with the
  // driver's message); NotFound when chromedriver is not installed.
  static Result<std::unique_ptr<WebDriver>> Start(const WebDriverOptions& options = {});
  ~WebDriver();
  WebDriver(const WebDriver&) = delete;
  WebDriver& operator=(const WebDriver&) = delete;

  Status Navigate(const std::string& url);
  Result<std::string> CurrentUrl();
  Status SetWindowSize(int width, int height);

  // The first element matching a CSS selector; NotFound when none.
  Result<std::string> Find(const std::string& css);
  Result<std::vector<std::string>> FindAll(const std::string& css);
  // Polls Find until an element matches and is displayed, or Unavailable
  // after timeout_ms naming the selector.
  Result<std::string> WaitFor(const std::string& css, int timeout_ms = 10000);
  // Polls `return Boolean(<expression>)` until true; a runtime error in the
  // expression (an element not rendered yet) counts as false. Unavailable
  // after timeout_ms naming the expression and its last error.
  Status WaitUntil(const std::string& js_expression, int timeout_ms = 10000);

  // The element that has keyboard focus.
  Result<std::string> ActiveElement();

  Status Click(const std::string& element);
  Status Clear(const std::string& element);
  // Types `text` into the element; WebDriver key codes work too, e.g.
  // kTabKey and kEnterKey below.
  Status SendKeys(const std::string& element, const std::string& text);
  // The rendered text (innerText) of an element.
  Result<std::string> Text(const std::string& element);
  // The element's DOM property (e.g. "value", "checked"), as JSON.
  Result<nlohmann::json> Property(const std::string& element, const std::string& name);
  // Runs `script` as a function body with `args` (JSON array; element ids
  // can be passed with ElementArg); returns what it returns.
  Result<nlohmann::json> Execute(const std::string& script,
                                 const nlohmann::json& args = nlohmann::json::array());
  static nlohmann::json ElementArg(const std::string& element);

  // The text of an open alert/confirm/prompt dialog; NotFound when none.
  Result<std::string> AlertText();
  Status DismissAlert();
  // The page's console messages since the last call (level and message).
  Result<std::vector<std::string>> BrowserLog();

  // The viewport as PNG bytes, or written to `path` (folders created).
  Result<std::string> Screenshot();
  Status SaveScreenshot(const std::string& path);

 private:
  WebDriver() = default;
  // Sends one command; returns the reply's "value", or the W3C error mapped
  // to a Status ("no such element" -> NotFound, "no such alert" -> NotFound,
  // anything else Unavailable) with the driver's message.
  Result<nlohmann::json> Command(const std::string& method, const std::string& path,
                                 const nlohmann::json& body = nullptr);
  Status Launch(const WebDriverOptions& options);
  Status OpenSession(const WebDriverOptions& options);
  void Shutdown();

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dokja::web::testing
