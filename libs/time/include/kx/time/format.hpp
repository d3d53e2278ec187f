#pragma once
// Dates and times as people read and hear them, for prompts, tool answers and emails. German is
// the product's language; English is there for English-speaking agents. Plain functions,
// thread-safe, no locale: the process-wide C locale is never consulted.

#include <chrono>
#include <string>

namespace kx::time {

enum class Language { de, en };

/// "Dienstag, 3. März" / "Tuesday, 3 March".
std::string format_day(std::chrono::year_month_day date, Language language = Language::de);
/// For speech: "Dienstag, den 3. März" / "Tuesday, the 3rd of March".
std::string format_day_spoken(std::chrono::year_month_day date, Language language = Language::de);
/// "03.03.2026" / "03/03/2026".
std::string format_date(std::chrono::year_month_day date, Language language = Language::de);
/// Minutes since midnight (0..1439) as "14:30 Uhr", "9:05 Uhr" / "2:30 pm", "12:00 pm".
std::string format_clock(int minutes, Language language = Language::de);

}  // namespace kx::time
