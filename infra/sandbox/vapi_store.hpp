#pragma once
// What the Vapi stand-in keeps: assistants and phone numbers as Vapi's API answers them, in
// memory (lost on restart). The REST API (vapi_api.cpp) writes them; the call simulator
// (vapi.cpp) reads them to resolve a dialled number and to speak an assistant's first message.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kx::sandbox {

/// One stored assistant or phone number: its top-level properties as JSON text, plus what Vapi
/// adds (id, orgId, createdAt, updatedAt).
struct VapiObject {
  std::string id;
  std::int64_t seq = 0;  ///< creation order, for "newest first" within one millisecond
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point updated_at;
  std::map<std::string, std::string> fields;

  /// The object as Vapi's API answers it.
  std::string json() const;
  /// A top-level string property; nullopt when absent, null or not a string.
  std::optional<std::string> text(const std::string& name) const;
};

enum class VapiKind { assistant, phone_number };

/// Thread-safe; every accessor returns copies.
class VapiStore {
 public:
  /// Seeds `numbers` pool numbers (+49305550xxxx, stable ids) so a fresh platform can import them.
  explicit VapiStore(int numbers = 0);

  std::optional<VapiObject> find(VapiKind kind, const std::string& id) const;
  /// Newest first.
  std::vector<VapiObject> list(VapiKind kind) const;
  VapiObject insert(VapiKind kind, std::map<std::string, std::string> fields);
  /// Replaces each given top-level property wholesale; nullopt for an unknown id.
  std::optional<VapiObject> update(VapiKind kind, const std::string& id,
                                   const std::map<std::string, std::string>& fields);
  std::optional<VapiObject> remove(VapiKind kind, const std::string& id);
  /// The phone number with this E.164 number.
  std::optional<VapiObject> number_by_e164(const std::string& e164) const;

 private:
  std::map<std::string, VapiObject>& of(VapiKind kind) {
    return kind == VapiKind::assistant ? assistants_ : numbers_;
  }
  const std::map<std::string, VapiObject>& of(VapiKind kind) const {
    return kind == VapiKind::assistant ? assistants_ : numbers_;
  }

  mutable std::mutex mutex_;
  std::int64_t seq_ = 0;
  std::map<std::string, VapiObject> assistants_;
  std::map<std::string, VapiObject> numbers_;
};

}  // namespace kx::sandbox
