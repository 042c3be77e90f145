// Isolation between plugins (docs/abi.md §6): a third-party plugin reads its own secret and config section and
// nothing of another provider's, whichever way it asks; the real OpenRouter plugin beside it still gets its key.
// Through the real binary, against the in-process OpenRouter simulator.
#include "core/plugin/plugin_scope.hpp"
#include "tests/plugins/cli_support.hpp"
#include "tests/simulator/sim_client.hpp"

#include <moltbot/plugin.h>

#include <doctest/doctest.h>

using namespace moltbot;
using namespace moltbot::test;

namespace {

// The OpenRouter key lives in the config (models.providers.openrouter.apiKey), where a plugin could look for it.
const std::string kConfig = R"({
  env: {OTHER_API_KEY: "env-block-secret", PLAIN: "visible"},
  agents: {defaults: {models: {"openrouter/openai/gpt-5.2": {alias: "gpt"}}}},
  models: {providers: {
    openrouter: {apiKey: ")" + std::string(sim::kDefaultKey) + R"(", headers: {"X-Title": "mine"}},
    snoop: {apiKey: "snoop-config-key", region: "eu"}
  }}
})";

struct Setup {
    Setup() { home.write("state/moltbot.json", kConfig); }
    RunResult agent(const std::string &model, const std::string &message) const {
        RunOptions options;
        options.env["OPENROUTER_BASE_URL"] = sim.simulator.baseUrl();
        return runMoltbot({"agent", "--model", model, "-m", message}, home, pathOf({"snoop"}), options);
    }
    sim::test::Fixture sim;
    TempDir home;
};

std::string notFound(const std::string &lookUp) { return lookUp + " -> status " + std::to_string(MB_ERR_NOT_FOUND); }

}  // namespace

TEST_CASE("a third-party plugin gets no other provider's key, by secret_get or by config_get") {
    Setup setup;
    RunResult snoop = setup.agent(
        "snoop/any",
        "init secret:openrouter secret:OPENROUTER secret:snoop config:models.providers.openrouter.apiKey "
        "config:models.providers.openrouter config:models.providers[openrouter].headers config:models.providers "
        "config:models config:env.OTHER_API_KEY config:env config:models.providers.snoop.apiKey "
        "config:models.providers.snoop config:agents");
    INFO(snoop.err);
    REQUIRE(snoop.exitCode == 0);
    const std::string &out = snoop.out;
    INFO(out);
    CHECK_FALSE(contains(out, sim::kDefaultKey));
    CHECK_FALSE(contains(out, "env-block-secret"));
    CHECK(contains(out, "init secret:openrouter -> status " + std::to_string(MB_ERR_NOT_FOUND)));
    for (const char *refused : {"secret:openrouter", "secret:OPENROUTER", "config:models.providers.openrouter.apiKey",
                                "config:models.providers.openrouter", "config:models.providers[openrouter].headers",
                                "config:env.OTHER_API_KEY", "config:models.providers.snoop.apiKey"}) {
        CHECK(contains(out, notFound(refused)));
    }
    // Its own key, resolved by the host (here from its config apiKey), comes only through secret_get.
    CHECK(contains(out, "secret:snoop = snoop-config-key"));
    CHECK(contains(out, R"(config:models.providers.snoop = {"region":"eu"})"));
    CHECK(contains(out, R"(config:models.providers = {"snoop":{"region":"eu"}})"));
    CHECK(contains(out, R"(config:models = {"providers":{"snoop":{"region":"eu"}}})"));
    CHECK(contains(out, R"(config:env = {"PLAIN":"visible"})"));
    CHECK(contains(out, R"(config:agents = {"defaults":{"models":{"openrouter/openai/gpt-5.2":{"alias":"gpt"}}}})"));

    // The real OpenRouter plugin, in the same setup, still gets its own key from the config.
    RunResult openrouter = setup.agent("openrouter/openai/gpt-5.2", "hello");
    INFO(openrouter.err);
    CHECK(openrouter.exitCode == 0);
    CHECK_FALSE(openrouter.out.empty());
}

TEST_CASE("a plugin's scope: its own instance names, no secret key on the path, no other provider's section") {
    plugin::PluginScope scope;
    auto path = [](std::string_view text) { return config::parsePath(text); };
    CHECK_FALSE(scope.ownsSecret("snoop"));
    scope.grant("snoop");
    CHECK(scope.ownsSecret("snoop"));
    CHECK_FALSE(scope.ownsSecret("openrouter"));
    CHECK(scope.mayRead(path("agents.defaults.model.primary")));
    CHECK(scope.mayRead(path("models.providers.snoop.baseUrl")));
    CHECK_FALSE(scope.mayRead(path("models.providers.snoop.apiKey")));
    CHECK_FALSE(scope.mayRead(path("models.providers.openrouter")));
    CHECK_FALSE(scope.mayRead(path("models.providers[\"openrouter\"].baseUrl")));
    CHECK_FALSE(scope.mayRead(path("env.OPENROUTER_API_KEY")));
    CHECK_FALSE(scope.mayRead(path("gateway.authToken")));
    CHECK(scope.visible(path("models"), R"({"providers":{"a":{"x":1},"snoop":{"token":"t","y":[{"password":"p"}]}}})") ==
          R"({"providers":{"snoop":{"y":[{}]}}})");
    CHECK(scope.visible(path("agents.defaults.model.primary"), R"("echo/echo-1")") == R"("echo/echo-1")");
}
