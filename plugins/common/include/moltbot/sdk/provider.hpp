// The C function table of a provider over a C++ instance class, so that a plugin writes no ABI glue. Every function
// runs under guard() (no exception crosses the ABI), refuses NULL pointers with MB_ERR_INVALID_ARGUMENT, and hands
// (pointer, length) pairs on as string_views. An instance is a heap T behind the host's opaque mb_instance pointer.
//
// T needs                                                                     for
//   T(const mb_host_api *host, std::string_view createJson)                    create (throw a Failure to refuse)
//   int32_t chat(std::string_view request, std::string_view options, Call, bool stream)   complete and stream
// and may have
//   int32_t listModels(Call)                                                   list_models
//
//   const mb_provider_vtable kVtable = sdk::Provider<MyInstance>::vtable();
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>

#include <string>
#include <string_view>

namespace moltbot::sdk {

template <class T>
class Provider {
public:
    using GetExtension = const void *(*)(mb_instance *instance, const char *id);

    // The table; `getExtension` (static extension tables, which call back through invoke()) may be NULL.
    static constexpr mb_provider_vtable vtable(GetExtension getExtension = nullptr) {
        return {sizeof(mb_provider_vtable), 0, &create, &destroy, listModelsFunction(), &complete, &stream,
                getExtension};
    }

    // Runs body(T &, Call) for a call-shaped function of an extension table, with the same guard and checks.
    template <class Body>
    static int32_t invoke(mb_instance *instance, mb_call *call, mb_error *error, const char *what, Body &&body) {
        return guard(error, [&] {
            if (instance == nullptr || call == nullptr) {
                throw Failure(MB_ERR_INVALID_ARGUMENT, std::string(what) + ": NULL argument");
            }
            return body(self(instance), Call(call));
        });
    }

private:
    static T &self(mb_instance *instance) { return *reinterpret_cast<T *>(instance); }

    // (pointer, length) that may be (NULL, 0).
    static std::string_view text(const char *data, size_t len) {
        return data == nullptr ? std::string_view() : std::string_view(data, len);
    }

    static int32_t create(const mb_host_api *host, const char *config, size_t configLen, mb_instance **out,
                          mb_error *error) {
        return guard(error, [&] {
            if (host == nullptr || out == nullptr || config == nullptr) {
                throw Failure(MB_ERR_INVALID_ARGUMENT, "create: NULL argument");
            }
            *out = reinterpret_cast<mb_instance *>(new T(host, std::string_view(config, configLen)));
            return MB_OK;
        });
    }

    static void destroy(mb_instance *instance) { delete reinterpret_cast<T *>(instance); }

    static int32_t listModels(mb_instance *instance, mb_call *call, mb_error *error) {
        return invoke(instance, call, error, "list_models", [](T &t, Call c) { return t.listModels(c); });
    }

    static constexpr auto listModelsFunction() {
        using ListModels = int32_t (*)(mb_instance *, mb_call *, mb_error *);
        if constexpr (requires(T &t, Call c) { t.listModels(c); }) {
            return ListModels{&listModels};
        } else {
            return ListModels{nullptr};
        }
    }

    static int32_t chat(mb_instance *instance, const char *request, size_t requestLen, const char *options,
                        size_t optionsLen, mb_call *call, mb_error *error, bool streamed) {
        return guard(error, [&] {
            if (instance == nullptr || call == nullptr || request == nullptr) {
                throw Failure(MB_ERR_INVALID_ARGUMENT, "NULL argument");
            }
            return self(instance).chat(std::string_view(request, requestLen), text(options, optionsLen), Call(call),
                                       streamed);
        });
    }

    static int32_t complete(mb_instance *instance, const char *request, size_t requestLen, const char *options,
                            size_t optionsLen, mb_call *call, mb_error *error) {
        return chat(instance, request, requestLen, options, optionsLen, call, error, false);
    }

    static int32_t stream(mb_instance *instance, const char *request, size_t requestLen, const char *options,
                          size_t optionsLen, mb_call *call, mb_error *error) {
        return chat(instance, request, requestLen, options, optionsLen, call, error, true);
    }
};

// An entry's init for a plugin with nothing to set up: it only checks its argument.
inline int32_t plainInit(const mb_host_api *host, mb_error *error) {
    return host != nullptr ? MB_OK : setError(error, MB_ERR_INVALID_ARGUMENT, "init: NULL host");
}

}  // namespace moltbot::sdk
