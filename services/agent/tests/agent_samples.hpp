#pragma once
// Realistic definitions, one per business type and language, for the prompt and assistant
// golden tests.

#include <string>

#include "definition.hpp"

namespace kx::agent::testing {

inline std::vector<TimeRange> hours(std::initializer_list<std::pair<const char*, const char*>> r) {
  std::vector<TimeRange> out;
  for (auto [start, end] : r)
    out.push_back({start, end});
  return out;
}

/// Monday first.
inline void set_days(OpeningHours& oh, std::initializer_list<int> days,
                     const std::vector<TimeRange>& ranges) {
  for (int d : days)
    oh[static_cast<std::size_t>(d)] = ranges;
}

inline Definition sample_de(BusinessType type) {
  Definition d;
  d.business_type = type;
  d.language = "de";
  switch (type) {
    case BusinessType::gastronomy:
      d.name = "Trattoria Da Luca";
      d.business.description =
          "Familiengeführtes italienisches Restaurant in Köln-Ehrenfeld mit hausgemachter Pasta, "
          "Pizza aus dem Steinofen und einer kleinen Weinkarte. Im Sommer gibt es eine Terrasse "
          "mit 30 Plätzen.";
      set_days(d.business.opening_hours, {1, 2, 3, 4},
               hours({{"11:30", "14:30"}, {"17:30", "22:30"}}));
      set_days(d.business.opening_hours, {5}, hours({{"17:00", "23:00"}}));
      set_days(d.business.opening_hours, {6}, hours({{"12:00", "21:00"}}));
      d.business.services = {"Pizza aus dem Steinofen", "Hausgemachte Pasta", "Mittagstisch",
                             "Catering für Feiern"};
      d.business.address = "Venloer Straße 212, 50823 Köln";
      d.business.phone = "+492215551234";
      d.business.website = "www.trattoria-daluca.de";
      d.faqs = {
          {"Haben Sie glutenfreie Pizza?",
           "Ja, auf Wunsch backen wir jede Pizza mit glutenfreiem Teig, gegen einen "
           "Aufpreis von 2 Euro."},
          {"Kann man bei Ihnen mit Karte zahlen?", "Ja, mit EC-Karte, Kreditkarte und Apple Pay."}};
      d.policies =
          "Reservierungen halten wir 15 Minuten. Für Gruppen ab acht Personen bitten wir um eine "
          "Anzahlung von 10 Euro pro Person. Hunde sind auf der Terrasse willkommen.";
      d.special_instructions =
          "Weisen Sie bei Reservierungen für Freitag und Samstag darauf hin, dass der Tisch für "
          "zwei Stunden reserviert ist.";
      d.assistant_name = "Giulia";
      d.greeting =
          "Trattoria Da Luca, buonasera und guten Tag! Hier spricht Giulia, die "
          "digitale Assistenz. Wie kann ich Ihnen helfen?";
      d.farewell = "Grazie und bis bald in der Trattoria Da Luca! Auf Wiederhören.";
      d.escalation.enabled = true;
      d.escalation.forwarding_number = "+492215551230";
      d.escalation.max_clarifications = 2;
      break;
    case BusinessType::salon:
      d.name = "Haarwerk Schneider";
      d.business.description =
          "Friseursalon in Leipzig-Gohlis für Damen, Herren und Kinder, mit Schwerpunkt auf "
          "Balayage und natürlichen Farben.";
      set_days(d.business.opening_hours, {1, 2, 3, 4}, hours({{"09:00", "18:00"}}));
      set_days(d.business.opening_hours, {5}, hours({{"08:00", "13:00"}}));
      d.business.services = {
          "Damenhaarschnitt", "Herrenhaarschnitt", "Kinderhaarschnitt", "Balayage",
          "Färben",           "Hochsteckfrisuren"};
      d.business.address = "Gohliser Straße 8, 04155 Leipzig";
      d.faqs = {{"Was kostet ein Herrenhaarschnitt?", "Ein Herrenhaarschnitt kostet 28 Euro."},
                {"Wie lange dauert eine Balayage?",
                 "Je nach Haarlänge zwischen zweieinhalb und vier Stunden, inklusive Beratung."}};
      d.policies =
          "Termine bitte bis 24 Stunden vorher absagen; bei späterer Absage berechnen "
          "wir 50 Prozent der gebuchten Leistung.";
      d.greeting = "Haarwerk Schneider, schönen guten Tag! Was darf ich für Sie tun?";
      d.farewell = "Vielen Dank für Ihren Anruf und bis bald im Haarwerk. Auf Wiederhören!";
      d.escalation.enabled = true;
      d.escalation.forwarding_number = "+493415550100";
      break;
    case BusinessType::medical:
      d.name = "Zahnarztpraxis Dr. Aylin Demir";
      d.business.description =
          "Zahnarztpraxis in Hamburg-Altona für Erwachsene und Kinder mit Prophylaxe, "
          "Implantologie und einfühlsamer Betreuung von Angstpatienten.";
      set_days(d.business.opening_hours, {0, 1, 3},
               hours({{"08:00", "12:00"}, {"14:00", "18:00"}}));
      set_days(d.business.opening_hours, {2}, hours({{"08:00", "13:00"}}));
      set_days(d.business.opening_hours, {4}, hours({{"08:00", "14:00"}}));
      d.business.services = {"Kontrolluntersuchung", "Professionelle Zahnreinigung", "Implantate",
                             "Kinderzahnheilkunde"};
      d.business.address = "Große Bergstraße 154, 22767 Hamburg";
      d.business.phone = "+49403895550";
      d.business.email = "praxis@zahnarzt-demir.de";
      d.faqs = {{"Wie lange dauert eine professionelle Zahnreinigung?",
                 "Etwa 45 bis 60 Minuten. Viele gesetzliche Kassen beteiligen sich an den "
                 "Kosten; fragen Sie dazu bitte Ihre Krankenkasse."},
                {"Nehmen Sie neue Patienten auf?",
                 "Ja, neue Patientinnen und Patienten sind herzlich willkommen."}};
      d.policies =
          "Bitte bringen Sie zu jedem Termin Ihre Versichertenkarte mit. Nicht "
          "abgesagte Termine können wir in Rechnung stellen.";
      d.assistant_name = "Lena";
      d.greeting =
          "Zahnarztpraxis Dr. Demir, guten Tag, Sie sprechen mit Lena, der digitalen "
          "Assistenz. Wie kann ich Ihnen helfen?";
      d.farewell = "Vielen Dank für Ihren Anruf. Gute Besserung und auf Wiederhören!";
      d.escalation.enabled = true;
      d.escalation.forwarding_number = "+49403895551";
      d.escalation.fallback_number = "+49403895552";
      break;
    case BusinessType::trades:
      d.name = "Sanitär Krause GmbH";
      d.business.description =
          "Meisterbetrieb für Sanitär, Heizung und Klima in Dortmund und Umgebung. Wir bauen "
          "Bäder um, warten Heizungen und helfen schnell bei Rohrbrüchen.";
      set_days(d.business.opening_hours, {0, 1, 2, 3, 4}, hours({{"07:00", "16:30"}}));
      d.business.services = {"Badsanierung", "Heizungswartung", "Rohrreinigung",
                             "Notdienst bei Wasserschäden"};
      d.business.phone = "+492315557788";
      d.business.website = "https://www.krause-sanitaer.de";
      d.policies =
          "Die Anfahrt im Stadtgebiet Dortmund kostet pauschal 39 Euro. "
          "Kostenvoranschläge für Badsanierungen sind kostenlos.";
      d.greeting = "Sanitär Krause, guten Tag! Wobei dürfen wir Ihnen helfen?";
      d.escalation.enabled = true;
      d.escalation.forwarding_number = "+492315557780";
      d.escalation.after_hours_number = "+491715557799";
      d.escalation.business_hours.start = "07:00";
      d.escalation.business_hours.end = "16:30";
      break;
    case BusinessType::retail:
      d.name = "Blumenladen Rosenrot";
      d.business.description =
          "Blumenladen in der Freiburger Altstadt mit Sträußen, "
          "Hochzeits- und Trauerfloristik und Zimmerpflanzen.";
      set_days(d.business.opening_hours, {0, 1, 2, 3, 4}, hours({{"09:00", "18:30"}}));
      set_days(d.business.opening_hours, {5}, hours({{"08:00", "14:00"}}));
      d.business.services = {"Sträuße", "Hochzeitsfloristik", "Trauerfloristik", "Zimmerpflanzen",
                             "Lieferservice"};
      d.faqs = {{"Liefern Sie Blumen?",
                 "Ja, im Stadtgebiet Freiburg ab 25 Euro Bestellwert. Bei Bestellung bis 12 Uhr "
                 "liefern wir am selben Tag."}};
      d.greeting = "Blumenladen Rosenrot, guten Tag! Wie kann ich Ihnen helfen?";
      d.farewell = "Danke für Ihren Anruf und einen blühenden Tag! Auf Wiederhören.";
      break;
    case BusinessType::services:
      d.name = "Steuerberatung Müller & Partner";
      d.business.description =
          "Steuerkanzlei in Stuttgart für Privatpersonen, Selbstständige und kleine Unternehmen: "
          "Einkommensteuer, Buchhaltung, Lohnabrechnung und Jahresabschlüsse.";
      set_days(d.business.opening_hours, {0, 1, 2, 3}, hours({{"08:30", "17:00"}}));
      set_days(d.business.opening_hours, {4}, hours({{"08:30", "13:00"}}));
      d.business.services = {"Einkommensteuererklärung", "Finanzbuchhaltung", "Lohnabrechnung",
                             "Jahresabschluss", "Existenzgründungsberatung"};
      d.business.email = "kanzlei@mueller-partner-stb.de";
      d.policies =
          "Erstgespräche dauern 30 Minuten und sind kostenfrei. Unterlagen nehmen wir "
          "gern auch digital über unser Mandantenportal entgegen.";
      d.greeting = "Steuerberatung Müller und Partner, guten Tag. Was kann ich für Sie tun?";
      d.farewell = "Vielen Dank für Ihren Anruf. Auf Wiederhören.";
      break;
    case BusinessType::general:
      d.name = "Kulturverein Lindenhof e. V.";
      d.greeting = "Kulturverein Lindenhof, guten Tag! Wie kann ich Ihnen helfen?";
      d.escalation.voicemail = false;
      break;
  }
  return d;
}

inline Definition sample_en(BusinessType type) {
  Definition d;
  d.business_type = type;
  d.language = "en";
  d.timezone = "Europe/London";
  switch (type) {
    case BusinessType::gastronomy:
      d.name = "The Crown & Anchor";
      d.business.description =
          "Traditional pub in Richmond with a Sunday roast, local ales "
          "and a beer garden by the river.";
      set_days(d.business.opening_hours, {0, 1, 2, 3}, hours({{"12:00", "23:00"}}));
      set_days(d.business.opening_hours, {4, 5}, hours({{"12:00", "23:59"}}));
      set_days(d.business.opening_hours, {6}, hours({{"12:00", "22:30"}}));
      d.business.services = {"Sunday roast", "Private function room", "Quiz night"};
      d.faqs = {{"Are dogs allowed?", "Yes, well-behaved dogs are welcome in the bar and garden."}};
      d.greeting = "Hello, you're through to The Crown and Anchor. How can I help?";
      d.escalation.enabled = true;
      d.escalation.forwarding_number = "+442089405555";
      break;
    case BusinessType::salon:
      d.name = "Bloom Beauty Studio";
      d.business.description = "Beauty studio in Manchester for nails, lashes and brows.";
      set_days(d.business.opening_hours, {1, 2, 3, 4, 5}, hours({{"10:00", "19:00"}}));
      d.business.services = {"Gel manicure", "Lash lift", "Brow lamination"};
      d.policies = "Please give at least 24 hours' notice to cancel.";
      d.greeting = "Hi, this is Bloom Beauty Studio. How can I help you today?";
      break;
    case BusinessType::medical:
      d.name = "Riverside Physiotherapy";
      d.business.description =
          "Physiotherapy clinic for sports injuries, back pain and "
          "rehabilitation after surgery.";
      set_days(d.business.opening_hours, {0, 1, 2, 3, 4},
               hours({{"08:00", "12:30"}, {"13:30", "19:00"}}));
      d.business.services = {"Sports massage", "Back pain treatment", "Post-operative rehab"};
      d.business.email = "hello@riversidephysio.co.uk";
      d.assistant_name = "Amy";
      d.greeting = "Riverside Physiotherapy, good morning, this is Amy. How can I help?";
      d.farewell = "Thanks for calling Riverside Physiotherapy. Take care, goodbye!";
      d.escalation.enabled = true;
      d.escalation.forwarding_number = "+441632960123";
      break;
    case BusinessType::trades:
      d.name = "Parker Plumbing & Heating";
      d.business.description = "Gas Safe registered plumbers covering Leeds and Bradford.";
      set_days(d.business.opening_hours, {0, 1, 2, 3, 4}, hours({{"08:00", "17:00"}}));
      d.business.services = {"Boiler servicing", "Emergency plumbing", "Bathroom fitting"};
      d.greeting = "Parker Plumbing and Heating, hello! What can we help you with?";
      break;
    case BusinessType::retail:
      d.name = "Chapter One Books";
      d.business.description = "Independent bookshop with a children's corner and a café.";
      set_days(d.business.opening_hours, {0, 1, 2, 3, 4, 5}, hours({{"09:30", "18:00"}}));
      set_days(d.business.opening_hours, {6}, hours({{"11:00", "16:00"}}));
      d.greeting = "Chapter One Books, hello! How can I help?";
      break;
    case BusinessType::services:
      d.name = "Hartley Accountants";
      d.business.description = "Chartered accountants for sole traders and small companies.";
      set_days(d.business.opening_hours, {0, 1, 2, 3, 4}, hours({{"09:00", "17:30"}}));
      d.business.services = {"Self assessment", "VAT returns", "Payroll"};
      d.greeting = "Hartley Accountants, good afternoon. How may I help?";
      break;
    case BusinessType::general:
      d.name = "Westfield Community Hall";
      d.greeting = "Westfield Community Hall, hello! How can I help?";
      break;
  }
  return d;
}

/// Which tools each golden prompt is built with, so the goldens cover every section variant.
inline bool sample_calendar(BusinessType type) {
  return type == BusinessType::salon || type == BusinessType::medical ||
         type == BusinessType::services;
}

}  // namespace kx::agent::testing
