// The fixture of the browser tests: a real App on loopback (TestServer), a
// headless Chromium (WebDriver), and small helpers that sign in through the
// UI, read texts, pick options and save screenshots. Skips the test only when
// chromedriver is not installed. TearDown fails the test on an uncaught
// JavaScript error or an open alert (an XSS payload that ran).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "web/web_test_util.h"
#include "web/webdriver_test_util.h"

namespace dokja::web::testing {

inline constexpr const char* kPassword = "correct horse battery";

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = FindChromedriver();
    if (!found.ok()) GTEST_SKIP() << found.status().ToString();
    server_ = TestServer::Start(Options());
    auto [method, path] = RequiredRoute();
    if (!method.empty() && !HasRoute(method, path)) {
      GTEST_SKIP() << method << " " << path << " is not in this build (its route group is missing)";
    }
    auto driver = WebDriver::Start();
    ASSERT_TRUE(driver.ok()) << driver.status().ToString();
    driver_ = std::move(driver).value();
  }

  void TearDown() override {
    if (!driver_) return;
    auto alert = driver_->AlertText();
    EXPECT_FALSE(alert.ok()) << "an alert is open: " << (alert.ok() ? *alert : "");
    if (alert.ok()) (void)driver_->DismissAlert();
    auto log = driver_->BrowserLog();
    if (log.ok()) {
      for (const std::string& line : *log) {
        EXPECT_EQ(line.find("Uncaught"), std::string::npos) << line;
        EXPECT_EQ(line.find("Content Security Policy"), std::string::npos) << line;
      }
    }
    driver_.reset();
  }

  // True when the App registered a route for `method` whose pattern matches
  // `path`: a test of a route group that is not in this build skips.
  bool HasRoute(const std::string& method, const std::string& path) {
    for (const Route& route : server_->app().routes()) {
      if (route.method == method && std::regex_match(path, std::regex(route.pattern))) return true;
    }
    return false;
  }

  // A route the fixture's tests need; without it they skip (the expert and
  // arena groups come from their own branches). {"", ""}: none.
  virtual std::pair<std::string, std::string> RequiredRoute() { return {"", ""}; }

  // Server options; tests override to add an arena.
  virtual WebOptions Options() { return WebOptions{}; }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  // Runs a script and returns its value (null after reporting a failure).
  nlohmann::json Js(const std::string& script) {
    auto value = driver_->Execute(script);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : nlohmann::json();
  }

  // The visible text of the first match of `css`, after waiting for it.
  std::string TextOf(const std::string& css) {
    auto element = driver_->WaitFor(css);
    EXPECT_TRUE(element.ok()) << element.status().ToString();
    if (!element.ok()) return "";
    auto text = driver_->Text(*element);
    return text.ok() ? *text : "";
  }

  void Click(const std::string& css) {
    auto element = driver_->WaitFor(css);
    ASSERT_TRUE(element.ok()) << element.status().ToString();
    Status clicked = driver_->Click(*element);
    ASSERT_TRUE(clicked.ok()) << clicked.ToString();
  }

  // Replaces the text of an input or textarea by typing.
  void Type(const std::string& css, const std::string& text) {
    auto element = driver_->WaitFor(css);
    ASSERT_TRUE(element.ok()) << element.status().ToString();
    Status cleared = driver_->Clear(*element);
    ASSERT_TRUE(cleared.ok()) << cleared.ToString();
    Status typed = driver_->SendKeys(*element, text);
    ASSERT_TRUE(typed.ok()) << typed.ToString();
  }

  // Picks an option of a <select> the way a user does: clicks the option.
  void SelectOption(const std::string& select_css, const std::string& value) {
    Click(select_css + " option[value='" + value + "']");
  }

  // Signs in through the log-in form and waits until the home page shows.
  void SignIn(const std::string& username, const std::string& password = kPassword) {
    ASSERT_TRUE(driver_->Navigate(Url("/#/login")).ok());
    Type("#login-username", username);
    Type("#login-password", password);
    Click("#login-submit");
    Status in = driver_->WaitUntil("document.getElementById('logout').hidden === false");
    ASSERT_TRUE(in.ok()) << in.ToString() << "; status: " << TextOf("#status");
  }

  // Saves a screenshot as <build>/test-screenshots/<name>.png and prints it.
  void Shot(const std::string& name) {
    std::string path = std::string(DOKJA_BINARY_DIR) + "/test-screenshots/" + name + ".png";
    Status saved = driver_->SaveScreenshot(path);
    EXPECT_TRUE(saved.ok()) << saved.ToString();
    std::printf("screenshot: %s\n", path.c_str());
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<WebDriver> driver_;
};

}  // namespace dokja::web::testing
