// The floor of moltbot's start-up, for scripts/bench.sh: a Poco::Util::Application that does nothing, linked against
// the libraries moltbot links. With --curl it also loads libcurl and calls curl_global_init, as moltbot's first
// request does. What moltbot takes beyond these figures is its own work.
#include <Poco/Util/Application.h>

#include <boost/dll/shared_library.hpp>
#include <curl/curl.h>

#include <string_view>

namespace {

class Empty : public Poco::Util::Application {
protected:
    int main(const ArgVec &) override { return EXIT_OK; }
};

}  // namespace

int main(int argc, char **argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--curl") {
        static boost::dll::shared_library curl("libcurl.so.4", boost::dll::load_mode::search_system_folders);
        if (curl.get<decltype(curl_global_init)>("curl_global_init")(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
    }
    Empty application;
    application.init(1, argv);
    return application.run();
}
