#include "definition.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>

#include "kx/http/error.hpp"
#include "kx/phone/phone.hpp"
#include "kx/time/business_hours.hpp"
#include "kx/time/zone.hpp"
#include "templates.hpp"

namespace kx::agent {
namespace {

using json::FieldError;
using json::FieldReader;
using json::Value;

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> kTypeNames = {
    "gastronomy", "salon", "medical", "trades", "retail", "services", "general"};

constexpr std::size_t kMaxName = 100;
constexpr std::size_t kMaxDescription = 2000;
constexpr std::size_t kMaxService = 100;
constexpr std::size_t kMaxQuestion = 300;
constexpr std::size_t kMaxAnswer = 1000;
constexpr std::size_t kMaxPolicies = 4000;
constexpr std::size_t kMaxSpecialInstructions = 2000;
constexpr std::size_t kMaxSpoken = 500;  // greeting, farewell (Vapi allows 1000)
constexpr std::size_t kMaxAssistantName = 40;
constexpr std::size_t kMaxVoiceId = 64;
constexpr std::size_t kMaxRangesPerDay = 3;
constexpr std::size_t kMaxContact = 300;  // address, website
constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxPhoneText = 50;
constexpr std::size_t kMaxTimezone = 64;

// How strictly a document is read.
enum class Mode {
  complete,  // a whole definition: required fields, cross-field rules
  draft,     // a wizard draft: every field optional, shapes and sizes enforced
  stored,    // our own stored JSON: trusted, nothing refused, nothing thrown
};

std::string trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return std::string(s);
}

bool valid_voice_id(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool valid_email(std::string_view s) {
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos)
    return false;
  auto domain = s.substr(at + 1);
  auto dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         s.find_first_of(" \t,;<>") == std::string_view::npos;
}

bool valid_website(std::string_view s) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (s.starts_with(scheme))
      s.remove_prefix(scheme.size());
  }
  auto dot = s.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < s.size() &&
         s.find_first_of(" \t\"<>") == std::string_view::npos;
}

std::string one_of_message(const auto& values) {
  std::string text = "muss einer der Werte ";
  for (std::size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + std::string(values[i]);
  return text + " sein";
}

// Which fields a draft contained ("name", "business.services", ...), so its normalised form
// keeps exactly those.
using Presence = std::set<std::string, std::less<>>;

class DefinitionReader {
 public:
  DefinitionReader(Mode mode, Presence* presence) : mode_(mode), presence_(presence) {}

  Definition read(const Value& doc) {
    Definition d;
    if (!doc.IsObject()) {
      errors_.push_back({"", "muss ein JSON-Objekt sein"});
      return d;
    }
    FieldReader r(doc);
    if (mode_ != Mode::stored) {
      r.reject_unknown({"name", "business_type", "language", "timezone", "business", "faqs",
                        "policies", "special_instructions", "voice_id", "assistant_name",
                        "greeting", "farewell", "escalation"});
    }
    note_presence(doc, "");

    if (auto v = text(r, "name", kMaxName))
      d.name = *v;
    require_text(d.name, doc, "name");

    bool type_given = false;
    if (auto v = text(r, "business_type", 20)) {
      if (auto type = parse_business_type(*v)) {
        d.business_type = *type;
        type_given = true;
      } else {
        r.add_error("business_type", one_of_message(kTypeNames));
      }
    }
    if (auto v = text(r, "language", 5)) {
      if (*v == "de" || *v == "en")
        d.language = *v;
      else
        r.add_error("language", "muss \"de\" oder \"en\" sein");
    }
    if (auto v = text(r, "timezone", kMaxTimezone)) {
      if (mode_ == Mode::stored || time::Zone::find(*v))
        d.timezone = *v;
      else
        r.add_error("timezone", "ist keine bekannte Zeitzone (z. B. Europe/Berlin)");
    }
    if (const Value* business = r.optional_object("business"))
      read_business(*business, d.business);
    if (const Value* faqs = r.optional_array("faqs"))
      read_faqs(*faqs, d.faqs);
    if (auto v = text(r, "policies", kMaxPolicies))
      d.policies = *v;
    if (auto v = text(r, "special_instructions", kMaxSpecialInstructions))
      d.special_instructions = *v;
    if (auto v = text(r, "voice_id", kMaxVoiceId)) {
      if (valid_voice_id(*v) || mode_ == Mode::stored)
        d.voice_id = *v;
      else
        r.add_error("voice_id", "darf nur Buchstaben, Ziffern, _ und - enthalten");
    }
    if (auto v = text(r, "assistant_name", kMaxAssistantName))
      d.assistant_name = *v;
    if (auto v = text(r, "greeting", kMaxSpoken))
      d.greeting = *v;
    require_text(d.greeting, doc, "greeting");
    if (auto v = text(r, "farewell", kMaxSpoken))
      d.farewell = *v;
    if (const Value* escalation = r.optional_object("escalation"))
      read_escalation(*escalation, d.escalation);
    take(r);

    if (mode_ == Mode::complete) {
      if (d.escalation.enabled && !d.escalation.forwarding_number) {
        add("escalation.forwarding_number",
            "ist erforderlich, wenn die Weiterleitung eingeschaltet ist");
      }
      // The owner's own words decide the type when the request names none (the public API).
      if (!type_given)
        d.business_type =
            detect_business_type(d.name, d.business.description, d.business.services).type;
    }
    return d;
  }

  /// Every problem once per field: a field whose value was refused (too long, not a phone
  /// number) is not also reported as missing.
  std::vector<FieldError> errors() const {
    auto missing = [](const std::string& m) {
      return m == "ist erforderlich" || m == "darf nicht leer sein" ||
             m.rfind("ist erforderlich, wenn", 0) == 0;
    };
    std::vector<FieldError> out;
    for (const auto& e : errors_) {
      bool other = false;
      for (const auto& f : errors_)
        other = other || (f.field == e.field && !missing(f.message));
      if (!(missing(e.message) && other))
        out.push_back(e);
    }
    return out;
  }

 private:
  std::size_t limit(std::size_t n) const {
    return mode_ == Mode::stored ? std::numeric_limits<std::size_t>::max() : n;
  }

  void add(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }

  void take(const FieldReader& r) {
    errors_.insert(errors_.end(), r.errors().begin(), r.errors().end());
  }

  void note_presence(const Value& obj, const std::string& prefix) {
    if (!presence_)
      return;
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      if (!it->value.IsNull())
        presence_->insert(prefix + it->name.GetString());
    }
  }

  // A trimmed text; nullopt when absent, null or invalid (then an error is recorded).
  std::optional<std::string> text(FieldReader& r, const char* name, std::size_t max_len) {
    auto v = r.optional_string(name, limit(max_len));
    if (!v)
      return std::nullopt;
    return trim(*v);
  }

  void require_text(const std::string& value, const Value& obj, const char* name,
                    const std::string& prefix = {}) {
    if (mode_ != Mode::complete || !value.empty())
      return;
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) {
      add(prefix + name, "ist erforderlich");
      return;
    }
    // A wrong type or an over-long text was reported already.
    if (it->value.IsString() &&
        trim(std::string_view(it->value.GetString(), it->value.GetStringLength())).empty())
      add(prefix + name, "darf nicht leer sein");
  }

  // A text item of an array, checked like FieldReader checks a member.
  std::optional<std::string> item_text(const Value& v, const std::string& path,
                                       std::size_t max_len) {
    if (!v.IsString()) {
      add(path, "muss ein Text sein");
      return std::nullopt;
    }
    std::string_view raw(v.GetString(), v.GetStringLength());
    if (raw.find('\0') != std::string_view::npos) {
      add(path, "darf kein Nullzeichen (\\u0000) enthalten");
      return std::nullopt;
    }
    if (json::utf8_length(raw) > limit(max_len)) {
      add(path, "darf höchstens " + std::to_string(max_len) + " Zeichen lang sein");
      return std::nullopt;
    }
    return trim(raw);
  }

  std::optional<std::string> phone(FieldReader& r, const char* name, const std::string& path) {
    auto v = text(r, name, kMaxPhoneText);
    if (!v || v->empty())
      return std::nullopt;
    if (mode_ == Mode::stored)
      return v;
    auto parsed = phone::normalize(*v);
    if (auto* problem = std::get_if<phone::Problem>(&parsed)) {
      add(path, std::string(phone::german_message(*problem)));
      return std::nullopt;
    }
    return std::get<phone::Number>(parsed).e164;
  }

  void read_business(const Value& obj, Business& b) {
    FieldReader r(obj, "business");
    if (mode_ != Mode::stored) {
      r.reject_unknown(
          {"description", "opening_hours", "services", "address", "phone", "email", "website"});
    }
    note_presence(obj, "business.");
    if (auto v = text(r, "description", kMaxDescription))
      b.description = *v;
    if (const Value* hours = r.optional_object("opening_hours"))
      read_opening_hours(*hours, b.opening_hours);
    if (const Value* services = r.optional_array("services"))
      read_services(*services, b.services);
    if (auto v = text(r, "address", kMaxContact))
      b.address = *v;
    b.phone = phone(r, "phone", "business.phone");
    if (auto v = text(r, "email", kMaxEmail)) {
      if (v->empty() || valid_email(*v) || mode_ == Mode::stored)
        b.email = *v;
      else
        r.add_error("business.email", "ist keine gültige E-Mail-Adresse");
    }
    if (auto v = text(r, "website", kMaxContact)) {
      if (v->empty() || valid_website(*v) || mode_ == Mode::stored)
        b.website = *v;
      else
        r.add_error("business.website", "ist keine gültige Webadresse");
    }
    take(r);
  }

  void read_opening_hours(const Value& obj, OpeningHours& hours) {
    FieldReader r(obj, "business.opening_hours");
    if (mode_ != Mode::stored)
      r.reject_unknown({"mon", "tue", "wed", "thu", "fri", "sat", "sun"});
    for (std::size_t day = 0; day < kDays.size(); ++day) {
      std::string day_name(kDays[day]);
      std::string path = "business.opening_hours." + day_name;
      const Value* ranges = r.optional_array(day_name.c_str());
      if (!ranges)
        continue;
      if (ranges->Size() > kMaxRangesPerDay && mode_ != Mode::stored) {
        add(path, "darf höchstens " + std::to_string(kMaxRangesPerDay) + " Zeiträume enthalten");
        continue;
      }
      struct Read {
        TimeRange range;
        int start;
        int end;
        std::size_t index;
      };
      std::vector<Read> read;
      for (rapidjson::SizeType i = 0; i < ranges->Size(); ++i) {
        std::string item_path = path + "[" + std::to_string(i) + "]";
        const Value& item = (*ranges)[i];
        if (!item.IsObject()) {
          add(item_path, "muss ein Objekt mit start und end sein");
          continue;
        }
        FieldReader ir(item, item_path);
        if (mode_ != Mode::stored)
          ir.reject_unknown({"start", "end"});
        auto start = range_clock(ir, "start", item_path);
        auto end = range_clock(ir, "end", item_path);
        take(ir);
        if (!start || !end)
          continue;
        if (*end <= *start) {
          add(item_path + ".end", "muss nach dem Beginn liegen");
          continue;
        }
        read.push_back({{clock_text(*start), clock_text(*end)}, *start, *end, i});
      }
      std::sort(read.begin(), read.end(),
                [](const Read& a, const Read& b) { return a.start < b.start; });
      for (std::size_t i = 1; i < read.size(); ++i) {
        if (read[i].start < read[i - 1].end) {
          add(path + "[" + std::to_string(read[i].index) + "]",
              "überschneidet sich mit einem anderen Zeitraum desselben Tages");
        }
      }
      for (auto& item : read)
        hours[day].push_back(std::move(item.range));
    }
    take(r);
  }

  std::optional<int> range_clock(FieldReader& r, const char* name, const std::string& prefix) {
    std::string path = prefix + "." + name;
    auto problems = r.errors().size();
    auto v = r.optional_string(name, 5);
    if (r.errors().size() != problems)
      return std::nullopt;
    if (!v || trim(*v).empty()) {
      add(path, "ist erforderlich");
      return std::nullopt;
    }
    auto minutes = time::parse_clock(trim(*v));
    if (!minutes)
      add(path, "muss eine Uhrzeit im Format HH:MM sein");
    return minutes;
  }

  static std::string clock_text(int minutes) {
    std::string s = "00:00";
    s[0] = static_cast<char>('0' + minutes / 600);
    s[1] = static_cast<char>('0' + minutes / 60 % 10);
    s[3] = static_cast<char>('0' + minutes % 60 / 10);
    s[4] = static_cast<char>('0' + minutes % 10);
    return s;
  }

  void read_services(const Value& list, std::vector<std::string>& services) {
    if (list.Size() > kMaxServices && mode_ != Mode::stored) {
      add("business.services",
          "darf höchstens " + std::to_string(kMaxServices) + " Einträge enthalten");
      return;
    }
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      auto v = item_text(list[i], "business.services[" + std::to_string(i) + "]", kMaxService);
      // Empty rows of the form are dropped, a service given twice is kept once.
      if (v && !v->empty() && std::find(services.begin(), services.end(), *v) == services.end())
        services.push_back(std::move(*v));
    }
  }

  void read_faqs(const Value& list, std::vector<Faq>& faqs) {
    if (list.Size() > kMaxFaqs && mode_ != Mode::stored) {
      add("faqs", "darf höchstens " + std::to_string(kMaxFaqs) + " Einträge enthalten");
      return;
    }
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      std::string path = "faqs[" + std::to_string(i) + "]";
      const Value& item = list[i];
      if (!item.IsObject()) {
        add(path, "muss ein Objekt mit question und answer sein");
        continue;
      }
      FieldReader r(item, path);
      if (mode_ != Mode::stored)
        r.reject_unknown({"question", "answer"});
      Faq faq;
      if (auto v = text(r, "question", kMaxQuestion))
        faq.question = *v;
      if (auto v = text(r, "answer", kMaxAnswer))
        faq.answer = *v;
      take(r);
      require_text(faq.question, item, "question", path + ".");
      require_text(faq.answer, item, "answer", path + ".");
      faqs.push_back(std::move(faq));
    }
  }

  void read_escalation(const Value& obj, Escalation& e) {
    FieldReader r(obj, "escalation");
    if (mode_ != Mode::stored) {
      r.reject_unknown({"enabled", "forwarding_number", "fallback_number", "after_hours_number",
                        "business_hours", "voicemail", "max_clarifications"});
    }
    note_presence(obj, "escalation.");
    if (auto v = r.optional_bool("enabled"))
      e.enabled = *v;
    e.forwarding_number = phone(r, "forwarding_number", "escalation.forwarding_number");
    e.fallback_number = phone(r, "fallback_number", "escalation.fallback_number");
    e.after_hours_number = phone(r, "after_hours_number", "escalation.after_hours_number");
    if (const Value* hours = r.optional_object("business_hours"))
      read_business_hours(*hours, e.business_hours);
    if (auto v = r.optional_bool("voicemail"))
      e.voicemail = *v;
    if (mode_ == Mode::stored) {
      e.max_clarifications = static_cast<int>(json::get_int(obj, "max_clarifications", 3));
    } else if (auto v = r.int_between("max_clarifications", 1, 10, false)) {
      e.max_clarifications = static_cast<int>(*v);
    }
    take(r);
  }

  void read_business_hours(const Value& obj, BusinessHours& hours) {
    const std::string prefix = "escalation.business_hours";
    FieldReader r(obj, prefix);
    if (mode_ != Mode::stored)
      r.reject_unknown({"days", "start", "end"});
    if (const Value* days = r.optional_array("days")) {
      std::array<bool, 7> seen{};
      bool twice = false;
      for (rapidjson::SizeType i = 0; i < days->Size(); ++i) {
        std::string path = prefix + ".days[" + std::to_string(i) + "]";
        auto v = item_text((*days)[i], path, 3);
        if (!v)
          continue;
        auto day = time::parse_weekday(*v);
        if (!day) {
          add(path, one_of_message(kDays));
          continue;
        }
        twice = twice || seen[static_cast<std::size_t>(*day)];
        seen[static_cast<std::size_t>(*day)] = true;
      }
      if (twice && mode_ != Mode::stored)
        add(prefix + ".days", "enthält einen Wochentag mehrfach");
      hours.days.clear();
      for (std::size_t i = 0; i < seen.size(); ++i) {
        if (seen[i])
          hours.days.emplace_back(kDays[i]);
      }
      if (hours.days.empty() && mode_ == Mode::complete)
        add(prefix + ".days", "muss mindestens einen Wochentag enthalten");
    }
    auto start = optional_clock(r, "start", prefix);
    auto end = optional_clock(r, "end", prefix);
    take(r);
    if (start)
      hours.start = clock_text(*start);
    if (end)
      hours.end = clock_text(*end);
    auto s = time::parse_clock(hours.start);
    auto e = time::parse_clock(hours.end);
    if (s && e && *e <= *s && mode_ != Mode::stored)
      add(prefix + ".end", "muss nach dem Beginn liegen");
  }

  // An optional "HH:MM" member; nullopt when absent or invalid (then an error is recorded).
  std::optional<int> optional_clock(FieldReader& r, const char* name, const std::string& prefix) {
    auto problems = r.errors().size();
    auto v = r.optional_string(name, 5);
    if (!v || r.errors().size() != problems)
      return std::nullopt;
    auto minutes = time::parse_clock(trim(*v));
    if (!minutes)
      add(prefix + "." + name, "muss eine Uhrzeit im Format HH:MM sein");
    return minutes;
  }

  Mode mode_;
  Presence* presence_;
  std::vector<FieldError> errors_;
};

// Writes the definition; with `presence`, only the fields it lists (a draft's own fields).
void write(json::Writer& w, const Definition& d, const Presence* presence) {
  auto has = [presence](std::string_view path) { return !presence || presence->contains(path); };
  auto number = [&w](std::string_view key, const std::optional<std::string>& n) {
    w.key(key);
    n ? w.value(*n) : w.null();
  };
  w.begin_object();
  if (has("name"))
    w.field("name", d.name);
  if (has("business_type"))
    w.field("business_type", to_string(d.business_type));
  if (has("language"))
    w.field("language", d.language);
  if (has("timezone"))
    w.field("timezone", d.timezone);
  if (has("business")) {
    const Business& b = d.business;
    w.key("business").begin_object();
    if (has("business.description"))
      w.field("description", b.description);
    if (has("business.opening_hours")) {
      w.key("opening_hours");
      write_opening_hours(w, b.opening_hours);
    }
    if (has("business.services")) {
      w.key("services").begin_array();
      for (const auto& s : b.services)
        w.value(s);
      w.end_array();
    }
    if (has("business.address"))
      w.field("address", b.address);
    if (has("business.phone"))
      number("phone", b.phone);
    if (has("business.email"))
      w.field("email", b.email);
    if (has("business.website"))
      w.field("website", b.website);
    w.end_object();
  }
  if (has("faqs")) {
    w.key("faqs").begin_array();
    for (const auto& f : d.faqs)
      w.begin_object().field("question", f.question).field("answer", f.answer).end_object();
    w.end_array();
  }
  if (has("policies"))
    w.field("policies", d.policies);
  if (has("special_instructions"))
    w.field("special_instructions", d.special_instructions);
  if (has("voice_id"))
    w.field("voice_id", d.voice_id);
  if (has("assistant_name"))
    w.field("assistant_name", d.assistant_name);
  if (has("greeting"))
    w.field("greeting", d.greeting);
  if (has("farewell"))
    w.field("farewell", d.farewell);
  if (has("escalation")) {
    const Escalation& e = d.escalation;
    w.key("escalation").begin_object();
    if (has("escalation.enabled"))
      w.field("enabled", e.enabled);
    if (has("escalation.forwarding_number"))
      number("forwarding_number", e.forwarding_number);
    if (has("escalation.fallback_number"))
      number("fallback_number", e.fallback_number);
    if (has("escalation.after_hours_number"))
      number("after_hours_number", e.after_hours_number);
    if (has("escalation.business_hours")) {
      w.key("business_hours").begin_object().key("days").begin_array();
      for (const auto& day : e.business_hours.days)
        w.value(day);
      w.end_array();
      w.field("start", e.business_hours.start).field("end", e.business_hours.end).end_object();
    }
    if (has("escalation.voicemail"))
      w.field("voicemail", e.voicemail);
    if (has("escalation.max_clarifications"))
      w.field("max_clarifications", e.max_clarifications);
    w.end_object();
  }
  w.end_object();
}

}  // namespace

void write_opening_hours(json::Writer& w, const OpeningHours& hours) {
  w.begin_object();
  for (std::size_t day = 0; day < kDays.size(); ++day) {
    w.key(kDays[day]).begin_array();
    for (const auto& range : hours[day])
      w.begin_object().field("start", range.start).field("end", range.end).end_object();
    w.end_array();
  }
  w.end_object();
}

std::optional<BusinessType> parse_business_type(std::string_view text) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == text)
      return static_cast<BusinessType>(i);
  }
  return std::nullopt;
}

std::string_view to_string(BusinessType type) {
  return kTypeNames.at(static_cast<std::size_t>(type));
}

Definition read_definition(const json::Value& doc) {
  DefinitionReader reader(Mode::complete, nullptr);
  Definition d = reader.read(doc);
  if (!reader.errors().empty())
    throw http::Error::validation(reader.errors());
  return d;
}

Definition apply_patch(const Definition& current, const json::Value& patch) {
  if (!patch.IsObject())
    throw http::Error::validation({{"", "muss ein JSON-Objekt sein"}});
  json::Document merged = json::parse(definition_json(current));
  auto& alloc = merged.GetAllocator();
  for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    auto target = merged.FindMember(it->name);
    // "business" and "escalation" are merged one level deep, so a PATCH of one escalation
    // number keeps the others; everything else (and a nested object such as business_hours)
    // is replaced as a whole.
    if ((name == "business" || name == "escalation") && it->value.IsObject() &&
        target != merged.MemberEnd() && target->value.IsObject()) {
      for (auto sub = it->value.MemberBegin(); sub != it->value.MemberEnd(); ++sub) {
        target->value.RemoveMember(sub->name);
        target->value.AddMember(Value(sub->name, alloc), Value(sub->value, alloc), alloc);
      }
      continue;
    }
    if (target != merged.MemberEnd())
      merged.RemoveMember(target);
    merged.AddMember(Value(it->name, alloc), Value(it->value, alloc), alloc);
  }
  return read_definition(merged);
}

std::string check_draft_state(const json::Value& state) {
  Presence presence;
  DefinitionReader reader(Mode::draft, &presence);
  Definition d = reader.read(state);
  if (!reader.errors().empty())
    throw http::Error::validation(reader.errors());
  json::Writer w;
  write(w, d, &presence);
  return w.str();
}

void write_definition(json::Writer& w, const Definition& d) {
  write(w, d, nullptr);
}

std::string definition_json(const Definition& d) {
  json::Writer w;
  write_definition(w, d);
  return w.str();
}

Definition definition_from_json(std::string_view text) {
  auto doc = json::parse(text);
  return DefinitionReader(Mode::stored, nullptr).read(doc);
}

}  // namespace kx::agent
