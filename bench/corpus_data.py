"""What the synthetic corpus is made of: its markers, its words in each language, the real
countries it tags, its roots, and how many pages of each type make a corpus of N.

Shared by the builder (`bench.corpus_builder`) and by `bench.corpus`, which generates and
clears it; the benchmarks and tests import these names from `bench.corpus`.
"""

import datetime

PREFIX = "Synthetic: "
MARKER = "Synthetic page generated for benchmarks."
TOPIC_PREFIX = "Synthetic topic "  # in every language, so that `clear` finds translations too
ORG_PREFIX = "Synthetic org "
FLUSH_EVERY = 500
MIN_PAGES = 30  # enough for every page type
FIRST_DAY, LAST_DAY = datetime.date(2005, 1, 1), datetime.date(2026, 6, 30)

# Public-health words, one per stem under Porter and Snowball (English) alike; "community" is the
# one word the two stem differently (commun / communiti), kept because it is the field's key word.
_WORDS = """
    costing financing malaria pneumonia diarrhoea surveillance supervision community treatment
    diagnosis vaccination immunisation nutrition stunting anaemia tuberculosis hiv maternal newborn
    neonatal child adolescent household district facility hospital clinic pharmacy medicine
    antibiotic amoxicillin zinc oral rehydration referral adherence coverage equity access quality
    workforce volunteer incentive training mentoring governance policy budget expenditure insurance
    subsidy procurement stockout logistics supply evaluation monitoring indicator registry
    enumeration questionnaire cohort trial randomised ethnography interview sampling mortality
    morbidity incidence prevalence outbreak epidemic cholera measles dengue ebola typhoid sanitation
    hygiene water handwashing breastfeeding contraception pregnancy antenatal delivery midwife nurse
    physician prescriber laboratory microscopy rapid testing mobile digital dashboard smartphone
    rural urban remote village region ministry donor partner ngo stakeholder advocacy accountability
    transparency decentralisation integration scale sustainability efficiency effectiveness
    affordability pilot intervention protocol guideline algorithm fever cough danger wasting obesity
    diabetes hypertension cancer injury disability mental depression refugee conflict climate
    drought flood migration gender poverty education literacy caregiver counselling outreach
    campaign bednet insecticide mosquito parasite resistance genomics
    """
VOCABULARY = tuple(_WORDS.split())
# The same words in French and Portuguese, position for position (a corpus in another language
# is the English one with each word replaced by the word at the same position): one per stem
# under that language's Snowball stemmer with folding, none a stop word (tests/test_corpus.py).
_FRENCH = """
    chiffrage financement paludisme pneumonie diarrhée surveillance encadrement communauté
    traitement diagnostic vaccination immunisation nutrition retard anémie tuberculose vih
    maternel nourrisson néonatal enfant adolescent ménage district établissement hôpital clinique
    pharmacie médicament antibiotique amoxicilline zinc oral réhydratation orientation observance
    couverture équité accès qualité effectifs bénévole incitation formation tutorat gouvernance
    politique budget dépense assurance subvention approvisionnement rupture logistique fourniture
    évaluation suivi indicateur registre dénombrement questionnaire cohorte essai randomisé
    ethnographie entretien échantillonnage mortalité morbidité incidence prévalence flambée
    épidémie choléra rougeole dengue ebola typhoïde assainissement hygiène eau lavage allaitement
    contraception grossesse prénatal accouchement maïeuticien infirmier médecin prescripteur
    laboratoire microscopie rapide dépistage mobile numérique tableau smartphone rural urbain isolé
    village région ministère bailleur partenaire ong acteur plaidoyer redevabilité transparence
    décentralisation intégration échelle pérennité efficience efficacité accessibilité pilote
    intervention protocole directive algorithme fièvre toux danger émaciation obésité diabète
    hypertension cancer blessure handicap mental dépression réfugié conflit climat sécheresse
    inondation migration genre pauvreté éducation alphabétisation soignant conseil proximité
    campagne moustiquaire insecticide moustique parasite résistance génomique
    """
_PORTUGUESE = """
    custeio financiamento malária pneumonia diarreia vigilância supervisão comunidade tratamento
    diagnóstico vacinação imunização nutrição nanismo anemia tuberculose vih materno lactente
    neonatal criança adolescente domicílio distrito unidade hospital clínica farmácia medicamento
    antibiótico amoxicilina zinco oral reidratação encaminhamento adesão cobertura equidade acesso
    qualidade efetivo voluntário incentivo formação tutoria governança política orçamento despesa
    seguro subsídio aquisição ruptura logística abastecimento avaliação monitoria indicador registo
    recenseamento questionário coorte ensaio aleatorizado etnografia entrevista amostragem
    mortalidade morbilidade incidência prevalência surto epidemia cólera sarampo dengue ébola
    tifoide saneamento higiene água lavagem amamentação contraceção gravidez prenatal parto
    parteira enfermeiro doutor prescritor laboratório microscopia rápido testagem móvel digital
    painel telemóvel rural urbano remoto aldeia região ministério doador parceiro ong interveniente
    advocacia responsabilização transparência descentralização integração escala sustentabilidade
    eficiência eficácia acessibilidade piloto intervenção protocolo diretriz algoritmo febre tosse
    perigo emaciação obesidade diabetes hipertensão cancro lesão deficiência mental depressão
    refugiado conflito clima seca cheia migração género pobreza educação alfabetização cuidador
    aconselhamento extensão campanha mosquiteiro inseticida mosquito parasita resistência genómica
    """
VOCABULARIES = {"en": VOCABULARY, "fr": tuple(_FRENCH.split()), "pt": tuple(_PORTUGUESE.split())}
MARKERS = {
    "en": MARKER,
    "fr": "Page synthétique générée pour les mesures.",
    "pt": "Página sintética gerada para as medições.",
}

# ISO 3166-1 alpha-2 codes and short names, by the Country model's regions.
COUNTRY_TABLE = {
    "western-africa": (
        "BJ Benin; BF Burkina Faso; CV Cabo Verde; CI Côte d'Ivoire; GM Gambia; "
        "GH Ghana; GN Guinea; GW Guinea-Bissau; LR Liberia; ML Mali; MR Mauritania; NE Niger; "
        "NG Nigeria; SN Senegal; SL Sierra Leone; TG Togo"
    ),
    "eastern-africa": (
        "BI Burundi; KM Comoros; DJ Djibouti; ER Eritrea; ET Ethiopia; "
        "KE Kenya; MG Madagascar; MW Malawi; MZ Mozambique; RW Rwanda; SO Somalia; "
        "SS South Sudan; TZ Tanzania; UG Uganda; ZM Zambia; ZW Zimbabwe"
    ),
    "middle-africa": (
        "AO Angola; CM Cameroon; CF Central African Republic; TD Chad; CG Congo; "
        "CD Democratic Republic of the Congo; GA Gabon"
    ),
    "southern-africa": "BW Botswana; SZ Eswatini; LS Lesotho; NA Namibia; ZA South Africa",
    "northern-africa": "EG Egypt; MA Morocco; SD Sudan; TN Tunisia",
    "asia": (
        "AF Afghanistan; BD Bangladesh; KH Cambodia; IN India; ID Indonesia; LA Laos; "
        "MM Myanmar; NP Nepal; PK Pakistan; PH Philippines; VN Viet Nam; YE Yemen"
    ),
    "latin-america-caribbean": (
        "BO Bolivia; GT Guatemala; HT Haiti; HN Honduras; NI Nicaragua; PE Peru"
    ),
}
COUNTRIES = [
    (code, name, region)
    for region, spec in COUNTRY_TABLE.items()
    for code, name in (item.strip().split(" ", 1) for item in spec.split(";"))
]

# slug -> (model label, title) of the roots; the index root is made only when the site has none.
ROOTS = {
    "synthetic-research-areas": ("research.ResearchAreaIndexPage", "Research areas"),
    "synthetic-research": ("research.ResearchAreaPage", "Research"),
    "synthetic-publications": ("research.PublicationIndexPage", "Publications"),
    "synthetic-briefs": ("briefs.PolicyBriefIndexPage", "Policy briefs"),
    "synthetic-news": ("briefs.NewsIndexPage", "News"),
}


class CorpusError(Exception):
    """The corpus cannot be built as asked (one exists already, too few pages, no home page)."""


HOME_SLUG = "synthetic-home-"  # + code: a locale's home, made when the site has none in it


def plan(pages, has_area_index=True):
    """How many pages of each type make `pages` in all (studies cap at 500; outputs take the
    rest)."""
    if pages < MIN_PAGES:
        raise CorpusError(
            f"Ask for at least {MIN_PAGES} pages, so that every page type is present."
        )
    roots = len(ROOTS) - int(has_area_index)
    studies = min(500, pages // 10)
    areas = min(60, max(3, studies // 10))
    rest = pages - roots - studies - areas
    supplements, briefs, news = max(1, rest // 20), max(1, rest // 5), max(1, rest // 4)
    return {
        "roots": roots,
        "research.ResearchAreaPage": areas,
        "research.StudyPage": studies,
        "research.FindingsPage": rest - supplements - briefs - news,
        "briefs.JournalSupplementPage": supplements,
        "briefs.PolicyBriefPage": briefs,
        "briefs.NewsPage": news,
        "topics": min(30, max(3, pages // 40)),
        "organizations": min(40, max(3, studies // 10)),
    }
