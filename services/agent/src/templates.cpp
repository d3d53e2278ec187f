#include "templates.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

#include "kx/text/fold.hpp"

namespace kx::agent {
namespace {

using text::fold_for_matching;

// Keywords as folded stems (fold_for_matching). The first character says how a word must
// contain the stem:
//   "=stem"  the whole word, optionally inflected ("=bar": bar, bars);
//   "~stem"  the end of the word, optionally inflected: the head of a compound
//            ("~praxis": Zahnarztpraxis, Praxen is its own keyword);
//   "*stem"  anywhere in the word (compounds either way: "*arzt": Hausarzt, Arztpraxis);
//   "stem"   the start of the word (inflections and derived words: "friseur": Friseursalon).
// Short or ambiguous stems are whole words ("=spa" must not match "sparen", "=bar" not
// "erreichbar"); surnames that are also trades (Becker, Bauer, Zimmermann) are left out.
// Weight 3: names the business; 2: typical of it; 1: a hint that other types share.
struct Keyword {
  std::string_view pattern;
  int weight;
};

struct TypeKeywords {
  BusinessType type;
  std::vector<Keyword> keywords;
};

const std::vector<TypeKeywords>& keyword_table() {
  static const std::vector<TypeKeywords> table = {
      {BusinessType::gastronomy,
       {{"*restaurant", 3},  {"*pizz", 3},        {"trattoria", 3},     {"osteria", 3},
        {"ristorante", 3},   {"*gasthaus", 3},    {"*gasthof", 3},      {"*gaststaett", 3},
        {"*wirtshaus", 3},   {"*kneipe", 3},      {"bistro", 3},        {"*imbiss", 3},
        {"*doener", 3},      {"*kebab", 3},       {"*sushi", 3},        {"burger", 3},
        {"*cafe", 3},        {"*kaffeehaus", 3},  {"*baeckerei", 3},    {"baecker", 3},
        {"*konditor", 3},    {"*backstube", 3},   {"*brauhaus", 3},     {"*brauerei", 3},
        {"*biergarten", 3},  {"*catering", 3},    {"*partyservice", 3}, {"*lieferservice", 2},
        {"*hotel", 3},       {"=pension", 2},     {"gastro", 3},        {"=bar", 2},
        {"*cocktailbar", 3}, {"*weinbar", 3},     {"tapas", 3},         {"*grill", 2},
        {"*steakhouse", 3},  {"*metzgerei", 2},   {"*fleischerei", 2},  {"*eisdiele", 3},
        {"*eiscafe", 3},     {"*weinstube", 3},   {"~stube", 1},        {"=mensa", 3},
        {"*kantine", 3},     {"*speisekarte", 2}, {"*mittagstisch", 2}, {"=kueche", 1},
        {"=gerichte", 1},    {"=speisen", 1},     {"=essen", 1},        {"*tischreserv", 2},
        {"=diner", 3},       {"=pub", 3},         {"bakery", 3},        {"=takeaway", 3},
        {"=eatery", 3},      {"brewery", 3},      {"=food", 1},         {"=menu", 1}}},
      {BusinessType::salon,
       {{"*friseur", 3},      {"*frisoer", 3},  {"*coiffeur", 3},    {"*barber", 3},
        {"haar", 2},          {"~salon", 2},    {"*kosmetik", 3},    {"*beauty", 3},
        {"nagel", 3},         {"*naegel", 2},   {"=nails", 3},       {"*manikuere", 2},
        {"*pedikuere", 2},    {"*wimpern", 2},  {"*augenbrauen", 2}, {"*massage", 2},
        {"=spa", 3},          {"*wellness", 2}, {"*tattoo", 3},      {"*piercing", 2},
        {"*sonnenstudio", 3}, {"*solarium", 3}, {"visagist", 3},     {"makeup", 2},
        {"*waxing", 2},       {"=styling", 1},  {"hairdresser", 3},  {"=hair", 2},
        {"*fusspflege", 2},   {"*lashes", 2},   {"=brows", 2}}},
      {BusinessType::medical,
       {{"*arzt", 3},
        {"*aerzt", 3},
        {"~praxis", 1},
        {"~praxen", 1},
        {"=dr", 1},
        {"zahn", 3},
        {"*physio", 3},
        {"*therap", 2},
        {"*logopaed", 3},
        {"*heilprakti", 3},
        {"*osteopath", 3},
        {"*chiropra", 3},
        {"*klinik", 3},
        {"*clinic", 3},
        {"*medizin", 2},
        {"*orthopaed", 3},
        {"*dermatolog", 3},
        {"*gynaekolog", 3},
        {"*kardiolog", 3},
        {"*psycholog", 2},
        {"*psychiat", 3},
        {"*radiolog", 3},
        {"*urolog", 3},
        {"*neurolog", 3},
        {"*podolog", 3},
        {"*hebamme", 3},
        {"*apothek", 3},
        {"*pflegedienst", 3},
        {"*krankenpflege", 2},
        {"*sprechstunde", 2},
        {"*patient", 2},
        {"=rezept", 1},
        {"*vorsorge", 1},
        {"gesundheit", 1},
        {"*veterinaer", 3},
        {"=dental", 3},
        {"*dentist", 3},
        {"=doctor", 3},
        {"*physician", 3},
        {"=medical", 3},
        {"=health", 1},
        {"*pharmacy", 3},
        {"=gp", 2},
        {"=surgery", 1}}},
      {BusinessType::trades, {{"*handwerk", 3},
                              {"elektrik", 3},
                              {"=elektro", 3},
                              {"elektroinstall", 3},
                              {"elektrotechnik", 3},
                              {"*sanitaer", 3},
                              {"*heizung", 3},
                              {"*klempner", 3},
                              {"*installateur", 3},
                              {"=shk", 3},
                              {"maler", 3},
                              {"*lackier", 3},
                              {"*dachdeck", 3},
                              {"*zimmerei", 3},
                              {"*zimmerer", 3},
                              {"*tischler", 3},
                              {"*schreinerei", 3},
                              {"schreiner", 2},
                              {"*schlosserei", 3},
                              {"*schluesseldienst", 3},
                              {"*glaserei", 3},
                              {"*fliese", 3},
                              {"*bodenleger", 3},
                              {"*parkett", 2},
                              {"*trockenbau", 3},
                              {"*hochbau", 3},
                              {"*tiefbau", 3},
                              {"bauunternehm", 3},
                              {"*baufirma", 3},
                              {"=bau", 2},
                              {"*gartenbau", 3},
                              {"*landschaftsbau", 3},
                              {"galabau", 3},
                              {"*gaertnerei", 2},
                              {"=kfz", 3},
                              {"*werkstatt", 3},
                              {"*werkstaett", 3},
                              {"*autoservice", 2},
                              {"reifen", 2},
                              {"*autohaus", 2},
                              {"mechani", 2},
                              {"*umzug", 3},
                              {"*umzuege", 3},
                              {"*meisterbetrieb", 2},
                              {"*schornsteinfeger", 3},
                              {"*rohrreinigung", 3},
                              {"*photovoltaik", 3},
                              {"*solaranlage", 3},
                              {"*solartechnik", 3},
                              {"*klimaanlage", 2},
                              {"*klimatechnik", 3},
                              {"*haustechnik", 3},
                              {"*gebaeudetechnik", 3},
                              {"*montage", 2},
                              {"renovier", 2},
                              {"*sanierung", 2},
                              {"*reparatur", 2},
                              {"*wasserschaden", 2},
                              {"plumb", 3},
                              {"=electrician", 3},
                              {"roofing", 3},
                              {"roofer", 3},
                              {"carpent", 3},
                              {"=painter", 3},
                              {"contractor", 3},
                              {"handyman", 3},
                              {"=mechanic", 3},
                              {"=hvac", 3},
                              {"=garage", 2},
                              {"=repair", 2}}},
      {BusinessType::retail,
       {{"~laden", 2},         {"*fachgeschaeft", 3}, {"*einzelhandel", 3}, {"*fachhandel", 3},
        {"=handel", 2},        {"*grosshandel", 2},   {"*shop", 2},         {"=store", 3},
        {"*boutique", 3},      {"~mode", 2},          {"*modehaus", 3},     {"*drogerie", 3},
        {"*optik", 3},         {"*parfuemerie", 3},   {"*buchhandlung", 3}, {"blumen", 3},
        {"*floristik", 3},     {"florist", 3},        {"*juwelier", 3},     {"*schmuck", 2},
        {"*goldschmied", 2},   {"fahrrad", 2},        {"*spielwaren", 3},   {"schuh", 2},
        {"moebel", 2},         {"*elektronik", 1},    {"~markt", 2},        {"*kiosk", 3},
        {"*feinkost", 3},      {"*weinhandlung", 3},  {"*tabak", 2},        {"*zoohandlung", 3},
        {"*sanitaetshaus", 3}, {"*hoergeraet", 2},    {"geschenk", 2},      {"*souvenir", 2},
        {"*antiquitaet", 2},   {"*secondhand", 2},    {"*sortiment", 1},    {"~waren", 2},
        {"*verkauf", 1},       {"*kaufhaus", 3},      {"*warenhaus", 3},    {"=retail", 3},
        {"supermarket", 3},    {"=grocery", 3},       {"bookshop", 3},      {"bookstore", 3},
        {"=jeweller", 3},      {"=jeweler", 3},       {"=outlet", 2},       {"=stock", 1}}},
      {BusinessType::services,
       {{"*beratung", 2},
        {"*berater", 2},
        {"*steuerberat", 3},
        {"*steuerkanzlei", 3},
        {"*kanzlei", 3},
        {"*anwalt", 3},
        {"*anwaelt", 3},
        {"*notar", 3},
        {"*immobilie", 3},
        {"*makler", 3},
        {"*versicherung", 3},
        {"finanz", 2},
        {"*buchhaltung", 3},
        {"*agentur", 2},
        {"*marketing", 2},
        {"werbe", 2},
        {"*reinigung", 2},
        {"*hausmeister", 3},
        {"*gebaeudeservice", 3},
        {"*hausverwaltung", 3},
        {"*fahrschule", 3},
        {"*nachhilfe", 3},
        {"~schule", 2},
        {"*coaching", 3},
        {"=coach", 2},
        {"=edv", 3},
        {"*software", 2},
        {"*webdesign", 3},
        {"fotograf", 3},
        {"*hochzeitsplan", 3},
        {"*reisebuero", 3},
        {"*detektei", 3},
        {"*sicherheitsdienst", 3},
        {"*personalvermittlung", 3},
        {"*dolmetsch", 3},
        {"*uebersetz", 3},
        {"*architekt", 3},
        {"*ingenieur", 2},
        {"*gutachter", 3},
        {"*sachverstaendig", 3},
        {"*bestatt", 3},
        {"*tierpension", 3},
        {"*hundepension", 3},
        {"*katzenpension", 3},
        {"*fitness", 3},
        {"*yoga", 3},
        {"*pilates", 3},
        {"*dienstleist", 1},
        {"*consult", 3},
        {"=lawyer", 3},
        {"=attorney", 3},
        {"=law", 2},
        {"accountan", 3},
        {"accounting", 3},
        {"=tax", 2},
        {"=insurance", 3},
        {"=agency", 2},
        {"=estate", 2},
        {"cleaning", 2},
        {"tutor", 3},
        {"photographer", 3},
        {"=architect", 3}}},
  };
  return table;
}

// Words that contain a keyword but name something else ("Workshop" is not a shop).
constexpr std::array<std::string_view, 2> kNotKeywords = {"workshop", "workshops"};

// Endings a whole-word or compound-head keyword may carry: plural, feminine forms.
constexpr std::array<std::string_view, 12> kInflections = {
    "", "e", "n", "s", "en", "er", "es", "in", "ern", "ien", "innen", "eien"};

bool ends_with(std::string_view s, std::string_view end) {
  return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

bool matches(std::string_view word, std::string_view pattern) {
  if (std::find(kNotKeywords.begin(), kNotKeywords.end(), word) != kNotKeywords.end())
    return false;
  char mode = pattern.front();
  std::string_view stem = pattern;
  if (mode == '=' || mode == '~' || mode == '*')
    stem.remove_prefix(1);
  switch (mode) {
    case '*':
      return word.find(stem) != std::string_view::npos;
    case '=':
    case '~':
      for (auto ending : kInflections) {
        if (word.size() != stem.size() + ending.size() && mode == '=')
          continue;
        if (ends_with(word, ending) && ends_with(word.substr(0, word.size() - ending.size()), stem))
          return true;
      }
      return false;
    default:
      return word.starts_with(stem);
  }
}

struct Word {
  std::string original;
  std::string folded;
};

// Words are runs of letters and digits; every non-ASCII character counts as a letter, so
// "Bäckerei" stays one word and "Kfz-Werkstatt" becomes two.
void split_words(std::string_view text, std::vector<Word>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto is_word_byte = [](unsigned char c) {
      return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
             (c >= 'A' && c <= 'Z');
    };
    while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t start = i;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > start) {
      std::string original(text.substr(start, i - start));
      out.push_back({original, fold_for_matching(original)});
    }
  }
}

}  // namespace

Detection detect_business_type(std::string_view name, std::string_view description,
                               const std::vector<std::string>& services) {
  std::vector<Word> name_words;
  std::vector<Word> other_words;
  split_words(name, name_words);
  split_words(description, other_words);
  for (const auto& s : services)
    split_words(s, other_words);

  Detection best;
  int best_name_score = 0;
  for (const auto& entry : keyword_table()) {
    Detection d{entry.type, 0, {}};
    int name_score = 0;
    auto note = [&d](const Word& w) {
      if (std::find(d.matched.begin(), d.matched.end(), w.original) == d.matched.end())
        d.matched.push_back(w.original);
    };
    for (const auto& k : entry.keywords) {
      bool in_name = false;
      for (const auto& w : name_words) {
        if (matches(w.folded, k.pattern)) {
          in_name = true;
          note(w);
        }
      }
      bool elsewhere = false;
      for (const auto& w : other_words) {
        if (matches(w.folded, k.pattern)) {
          elsewhere = true;
          note(w);
        }
      }
      // A keyword counts once: three times its weight when the owner put it in the name.
      if (in_name) {
        d.score += 3 * k.weight;
        name_score += 3 * k.weight;
      } else if (elsewhere) {
        d.score += k.weight;
      }
    }
    if (d.score > best.score ||
        (d.score == best.score && d.score > 0 && name_score > best_name_score)) {
      best = std::move(d);
      best_name_score = name_score;
    }
  }
  return best;
}

const std::vector<Template>& templates() {
  static const std::vector<Template> all = {
      {BusinessType::gastronomy,
       {"Gastronomie",
        {"Haben Sie heute Abend noch einen Tisch für vier Personen frei?",
         "Bis wann ist die Küche heute geöffnet?",
         "Gibt es vegetarische, vegane oder glutenfreie Gerichte?",
         "Kann ich Essen vorbestellen und selbst abholen?",
         "Liefern Sie auch, und gibt es einen Mindestbestellwert?",
         "Kann man bei Ihnen eine Geburtstags- oder Weihnachtsfeier ausrichten?",
         "Gibt es Parkplätze in der Nähe, und ist das Lokal barrierefrei?"},
        {"Tischreservierungen aufnehmen: Datum, Uhrzeit, Personenzahl, Name und Rückrufnummer "
         "erfragen und zur Bestätigung wiederholen.",
         "Über Öffnungs- und Küchenzeiten, das Speisenangebot und die Lage Auskunft geben.",
         "Vorbestellungen, Abholungen und Anfragen für Feiern aufnehmen und an das Team "
         "weitergeben.",
         "Fragen zu Allergenen nur mit den hinterlegten Angaben beantworten und sonst an das "
         "Personal vor Ort verweisen."},
        {"Verbindliche Aussagen zu Allergenen oder Unverträglichkeiten ohne hinterlegte Angaben.",
         "Preise, Tagesgerichte oder Aktionen, die nicht hinterlegt sind.",
         "Die Aussage, eine Reservierung sei fest bestätigt, wenn sie nur als Wunsch aufgenommen "
         "wurde.",
         "Bemerkungen über andere Lokale oder über Bewertungen im Internet."},
        "Herzlich, gastfreundlich und unkompliziert, mit echter Vorfreude auf den Besuch."},
       {"Restaurants and hospitality",
        {"Do you have a table for four tonight?", "How late is the kitchen open today?",
         "Do you have vegetarian, vegan or gluten-free dishes?",
         "Can I order food in advance and pick it up?",
         "Do you deliver, and is there a minimum order?",
         "Can we hold a birthday or company party at your place?",
         "Is there parking nearby, and is the restaurant wheelchair accessible?"},
        {"Take table reservations: ask for the date, time, number of guests, name and a callback "
         "number, and repeat them back for confirmation.",
         "Give information about opening and kitchen hours, the menu and the location.",
         "Take pre-orders, pick-up orders and party enquiries and pass them on to the team.",
         "Answer allergen questions only with the stored information and otherwise refer to the "
         "staff on site."},
        {"Binding statements about allergens or intolerances without stored information.",
         "Prices, daily specials or promotions that are not stored.",
         "Calling a reservation confirmed when it was only taken as a request.",
         "Remarks about other restaurants or about online reviews."},
        "Warm, welcoming and easy-going, genuinely looking forward to the guest's visit."}},
      {BusinessType::salon,
       {"Friseur und Kosmetik",
        {"Haben Sie diese Woche noch einen Termin für Schneiden und Föhnen frei?",
         "Was kostet ungefähr eine Färbung bei langen Haaren?",
         "Wie lange dauert eine Maniküre mit Gellack?",
         "Kann ich meinen Termin am Donnerstag auf nächste Woche verschieben?",
         "Kann ich bei einer bestimmten Mitarbeiterin einen Termin bekommen?",
         "Verkaufen Sie auch Gutscheine?"},
        {"Terminwünsche aufnehmen: gewünschte Leistung, bevorzugter Tag und Uhrzeit, "
         "gegebenenfalls "
         "die Wunschmitarbeiterin oder der Wunschmitarbeiter, Name und Rückrufnummer.",
         "Über Leistungen, ihre ungefähre Dauer und die hinterlegten Preise informieren.",
         "Verschiebungen und Absagen aufnehmen und dabei auf die Absageregeln hinweisen.",
         "Wenn unklar ist, welche Behandlung passt, eine kurze Beratung im Salon empfehlen."},
        {"Feste Preise für Leistungen, deren Preis vom Aufwand abhängt, etwa Färbungen oder "
         "Hochsteckfrisuren.",
         "Einschätzungen zu Haut, Kopfhaut, Allergien oder anderen gesundheitlichen Fragen.",
         "Zusagen für eine bestimmte Mitarbeiterin oder einen bestimmten Mitarbeiter, ohne deren "
         "Zeiten zu kennen.",
         "Wertende Bemerkungen über Aussehen oder Wünsche der Kundschaft."},
        "Freundlich, persönlich und entspannt, aufmerksam für Wünsche und Details."},
       {"Hair and beauty",
        {"Do you have an appointment for a cut and blow-dry this week?",
         "Roughly how much is a colour for long hair?", "How long does a gel manicure take?",
         "Can I move my Thursday appointment to next week?",
         "Can I book with a particular stylist?", "Do you sell gift vouchers?"},
        {"Take appointment requests: the treatment, preferred day and time, a preferred stylist "
         "if any, name and callback number.",
         "Give information about treatments, how long they take and the stored prices.",
         "Take changes and cancellations and point out the cancellation rules.",
         "When it is unclear which treatment fits, suggest a short consultation at the salon."},
        {"Fixed prices for treatments whose price depends on the effort, such as colouring or "
         "updos.",
         "Assessments of skin, scalp, allergies or other health questions.",
         "Promising a particular stylist without knowing their hours.",
         "Judgemental remarks about clients' looks or wishes."},
        "Friendly, personal and relaxed, attentive to wishes and details."}},
      {BusinessType::medical,
       {"Medizin und Gesundheit",
        {"Kann ich einen Termin für eine Vorsorgeuntersuchung vereinbaren?",
         "Nehmen Sie noch neue Patientinnen und Patienten auf?",
         "Ich brauche ein Folgerezept. Wie gehe ich vor?",
         "Gibt es heute eine offene Sprechstunde?",
         "Behandeln Sie gesetzlich und privat Versicherte?",
         "Bis wann muss ich einen Termin absagen?", "Ist die Praxis barrierefrei erreichbar?"},
        {"Terminwünsche mit Anlass, Name, Versicherungsart und Rückrufnummer aufnehmen.",
         "Über Sprechzeiten, Leistungen und die Abläufe der Praxis informieren.",
         "Rezept- und Überweisungswünsche aufnehmen und an das Praxisteam weitergeben.",
         "Wenn Beschwerden dringend klingen, etwa Brustschmerzen, Atemnot oder starke Blutungen, "
         "sofort auf den Notruf 112 hinweisen; außerhalb der Sprechzeiten auf den ärztlichen "
         "Bereitschaftsdienst unter 116 117."},
        {"Diagnosen, Einschätzungen von Beschwerden oder Behandlungsempfehlungen.",
         "Angaben zu Medikamenten, Dosierungen oder Wechselwirkungen.",
         "Auskünfte über Befunde, Laborwerte oder andere Patientinnen und Patienten.",
         "Beschwichtigungen wie „Das ist sicher nicht schlimm“."},
        "Ruhig, professionell und einfühlsam; geduldig mit besorgten und älteren Anrufenden."},
       {"Medical and health",
        {"Can I book a check-up?", "Are you taking new patients?",
         "I need a repeat prescription. What do I do?", "Is there an open consultation hour today?",
         "Do you treat both public and private patients?",
         "How far in advance do I have to cancel an appointment?",
         "Is the practice wheelchair accessible?"},
        {"Take appointment requests with the reason, name, type of insurance and callback number.",
         "Give information about consultation hours, services and how the practice works.",
         "Take prescription and referral requests and pass them on to the practice team.",
         "When symptoms sound urgent, such as chest pain, shortness of breath or heavy bleeding, "
         "point to the emergency number 112 at once; outside consultation hours to the medical "
         "on-call service 116 117."},
        {"Diagnoses, assessments of symptoms or treatment recommendations.",
         "Information about medicines, doses or interactions.",
         "Information about findings, lab results or other patients.",
         "Reassurances such as \"that is surely nothing serious\"."},
        "Calm, professional and empathetic; patient with worried and elderly callers."}},
      {BusinessType::trades,
       {"Handwerk",
        {"Können Sie sich diese Woche noch einen Wasserschaden ansehen?",
         "Kommen Sie für ein Angebot auch vorbei, und kostet das etwas?",
         "Was kostet ungefähr der Austausch einer Heizung?",
         "Haben Sie am Wochenende einen Notdienst?", "Wann kommt der Monteur zu meinem Termin?",
         "In welchem Umkreis sind Sie tätig?"},
        {"Aufträge aufnehmen: worum es geht, wo der Einsatz ist, wie dringend es ist, Name, "
         "Adresse und Rückrufnummer.",
         "Notfälle erkennen, etwa einen Wasserrohrbruch oder eine ausgefallene Heizung im Winter, "
         "und sie vorrangig weitergeben; bei Gasgeruch sofort auf den Notruf 112 und den "
         "Entstördienst des Gasversorgers verweisen.",
         "Termine für Besichtigungen und Kostenvoranschläge aufnehmen.",
         "Über Leistungen, Einsatzgebiet und Erreichbarkeit informieren."},
        {"Verbindliche Preise oder Festpreise ohne Besichtigung.",
         "Anleitungen zu Reparaturen, die Anrufende selbst ausführen sollen, vor allem an Gas-, "
         "Strom- oder Wasserleitungen.",
         "Zusagen zu genauen Ankunftszeiten, die das Team nicht bestätigt hat.",
         "Einschätzungen zu Versicherungs- oder Gewährleistungsfragen."},
        "Bodenständig, hilfsbereit und lösungsorientiert; klar und direkt."},
       {"Trades and crafts",
        {"Can you look at water damage this week?",
         "Do you come by for a quote, and does that cost anything?",
         "Roughly how much does replacing a boiler cost?",
         "Do you have an emergency service at the weekend?",
         "When will the technician arrive for my appointment?", "Which area do you cover?"},
        {"Take jobs: what it is about, where the job is, how urgent it is, name, address and "
         "callback number.",
         "Recognise emergencies, such as a burst pipe or a heating failure in winter, and pass "
         "them on first; if the caller smells gas, point to the emergency number 112 and the gas "
         "supplier's emergency line at once.",
         "Take appointments for site visits and quotes.",
         "Give information about services, service area and availability."},
        {"Binding or fixed prices without a site visit.",
         "Instructions for repairs callers should do themselves, above all on gas, electrical or "
         "water lines.",
         "Promising exact arrival times the team has not confirmed.",
         "Assessments of insurance or warranty questions."},
        "Down-to-earth, helpful and solution-oriented; clear and direct."}},
      {BusinessType::retail,
       {"Einzelhandel",
        {"Haben Sie diesen Artikel vorrätig?", "Können Sie mir etwas bis morgen zurücklegen?",
         "Bis wann haben Sie am Samstag geöffnet?",
         "Kann ich einen Artikel umtauschen oder zurückgeben?",
         "Verschicken Sie auch, oder liefern Sie nach Hause?",
         "Kann ich bei Ihnen mit Karte bezahlen?", "Verkaufen Sie Gutscheine?"},
        {"Über Öffnungszeiten, Sortiment, Lage und Parkmöglichkeiten informieren.",
         "Anfragen zu Verfügbarkeit, Bestellungen und Reservierungen von Artikeln mit Name und "
         "Rückrufnummer aufnehmen.",
         "Fragen zu Umtausch und Rückgabe mit den hinterlegten Regeln beantworten.",
         "Reklamationen aufnehmen und einen Rückruf anbieten."},
        {"Zusagen, dass ein bestimmter Artikel vorrätig ist, ohne es prüfen zu können.",
         "Preise, Rabatte oder Aktionen, die nicht hinterlegt sind.",
         "Abwertende Vergleiche mit anderen Geschäften oder Onlinehändlern.",
         "Die Annahme von Kartennummern oder anderen Zahlungsdaten am Telefon."},
        "Freundlich, hilfsbereit und serviceorientiert, mit offenem Ohr für Kundenwünsche."},
       {"Retail",
        {"Do you have this item in stock?", "Can you put something aside for me until tomorrow?",
         "How late are you open on Saturday?", "Can I exchange or return an item?",
         "Do you ship, or deliver to my home?", "Can I pay by card?", "Do you sell gift vouchers?"},
        {"Give information about opening hours, range, location and parking.",
         "Take enquiries about availability, orders and reserving items, with name and callback "
         "number.",
         "Answer questions about exchanges and returns with the stored rules.",
         "Take complaints and offer a callback."},
        {"Promising that a particular item is in stock without being able to check.",
         "Prices, discounts or promotions that are not stored.",
         "Disparaging comparisons with other shops or online retailers.",
         "Taking card numbers or other payment details over the phone."},
        "Friendly, helpful and service-minded, with an open ear for customers' wishes."}},
      {BusinessType::services,
       {"Dienstleistung",
        {"Kann ich ein Erstgespräch vereinbaren?", "Was kostet eine Beratung bei Ihnen?",
         "Welche Unterlagen soll ich zum Termin mitbringen?",
         "Ist meine Ansprechpartnerin diese Woche erreichbar?",
         "Bieten Sie auch Termine per Video oder Telefon an?",
         "Wie schnell können Sie sich um mein Anliegen kümmern?"},
        {"Das Anliegen kurz erfassen und ein Erstgespräch oder einen Rückruf anbieten.",
         "Name, gegebenenfalls die Firma, Rückrufnummer und E-Mail-Adresse aufnehmen.",
         "Über Leistungen, Ablauf und benötigte Unterlagen informieren.",
         "Nachrichten für bestimmte Ansprechpartner vollständig und genau aufnehmen."},
        {"Rechtliche, steuerliche oder finanzielle Beratung im Einzelfall.",
         "Einschätzungen zu Erfolgsaussichten, Fristen oder Kosten eines konkreten Falls.",
         "Auskünfte über andere Mandanten, Kunden oder laufende Aufträge.",
         "Verbindliche Angebote oder Honorarzusagen."},
        "Professionell, kompetent und verbindlich; sachlich und dabei freundlich."},
       {"Professional services",
        {"Can I book an initial consultation?", "How much does a consultation cost?",
         "Which documents should I bring to the appointment?",
         "Is my contact person available this week?",
         "Do you also offer video or phone appointments?",
         "How soon can you take care of my matter?"},
        {"Briefly note the matter and offer an initial consultation or a callback.",
         "Take the name, the company if any, a callback number and an email address.",
         "Give information about services, the process and the documents needed.",
         "Take messages for particular contacts completely and accurately."},
        {"Legal, tax or financial advice on an individual case.",
         "Assessments of the chances, deadlines or costs of a particular case.",
         "Information about other clients, customers or ongoing work.",
         "Binding quotes or fee commitments."},
        "Professional, competent and reliable; matter-of-fact and friendly."}},
      {BusinessType::general,
       {"Allgemein",
        {"Wann haben Sie geöffnet?", "Wie erreiche ich Sie am besten?",
         "Kann ich einen Termin vereinbaren?",
         "Können Sie mich mit jemandem aus dem Team verbinden?", "Wo finde ich Sie?",
         "Kann ich eine Nachricht hinterlassen?"},
        {"Anrufende freundlich empfangen und ihr Anliegen verstehen.",
         "Fragen mit den hinterlegten Informationen beantworten.",
         "Nachrichten mit Name, Rückrufnummer und Anliegen aufnehmen.",
         "Einen Rückruf oder Termin vereinbaren, wenn sich das Anliegen nicht sofort klären "
         "lässt."},
        {"Vermutungen über Dinge, die nicht hinterlegt sind.",
         "Verbindliche Zusagen zu Preisen, Terminen oder Leistungen, die das Team nicht bestätigt "
         "hat.",
         "Persönliche Meinungen zu Politik, Religion oder anderen Unternehmen."},
        "Freundlich, hilfsbereit und professionell."},
       {"General",
        {"When are you open?", "What is the best way to reach you?", "Can I make an appointment?",
         "Can you put me through to someone on the team?", "Where can I find you?",
         "Can I leave a message?"},
        {"Receive callers kindly and understand what they need.",
         "Answer questions with the stored information.",
         "Take messages with name, callback number and request.",
         "Arrange a callback or an appointment when a matter cannot be settled at once."},
        {"Guesses about anything that is not stored.",
         "Binding promises about prices, appointments or services the team has not confirmed.",
         "Personal opinions on politics, religion or other companies."},
        "Friendly, helpful and professional."}},
  };
  return all;
}

const Template& template_for(BusinessType type) {
  for (const auto& t : templates()) {
    if (t.type == type)
      return t;
  }
  throw std::logic_error("no template for a business type");
}

}  // namespace kx::agent
