"""The demo clinic's starter internal-control documents: five procedures and a risk register (INJ-V1..V3).

Written for Kanyle as examples: each clinic must adapt them to its own premises, people and equipment.
Dates are relative to today, so the demo always shows procedures in force, one due for review soon,
a procedure with an older replaced version, and staff who have not yet confirmed reading.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from kanyle.quality.models import Procedure, ProcedureVersion, ReadReceipt, Risk

INJECTION = """\
## Formål
Ultralydveiledet injeksjonsbehandling ved klinikken skal være faglig forsvarlig, ansvaret mellom lege og \
fysioterapeut skal være tydelig, og alt som gjøres skal kunne dokumenteres i ettertid.

## Ansvar
- **Legen** vurderer pasienten, stiller diagnosen og tar stilling til indikasjon og kontraindikasjoner.
- Legen informerer pasienten, innhenter informert samtykke og rekvirerer legemiddel, dose og injeksjonssted.
- Legen kan delegere selve injeksjonen til en fysioterapeut med dokumentert opplæring. Legen svarer for at \
fysioterapeuten er kompetent, og skal være tilgjengelig for råd under hele behandlingen.
- **Fysioterapeuten** velger aldri legemiddel eller dose, og skal avbryte eller avstå når behandlingen ikke kan \
gjøres forsvarlig. Begrunnelsen skrives i journalen.

## Før injeksjonen
1. Kontroller at legens vurdering, samtykket og rekvisisjonen er registrert i journalen.
2. Gå gjennom pasientens risikoopplysninger (CAVE): allergier, blodfortynnende, diabetes, infeksjon og graviditet.
3. Kontroller legemiddel, styrke, batchnummer og utløpsdato sammen med legen eller en kollega.
4. Sjekk at akuttutstyret er kontrollert og ligger klart i behandlingsrommet.

## Under og etter injeksjonen
- Bruk aseptisk teknikk og ultralydveiledning.
- Pasienten blir i klinikken i den observasjonstiden klinikken har fastsatt (standard 20 minutter).
- Journalnotatet skrives samme dag: hvem som injiserte, legemiddel, dose, batch, sted og eventuelle reaksjoner.
- Pasientens fastlege får beskjed om behandlingen, også når pasienten ikke er henvist derfra.
"""

ANAPHYLAXIS_V1 = """\
## Formål
Alle som deltar i injeksjonsbehandling skal kjenne igjen en alvorlig allergisk reaksjon og kunne starte \
behandlingen med en gang.

## Utstyr
Akuttskrinet står i injeksjonsrommet, og hjertestarteren har fast plass som alle kjenner. Skrinet inneholder \
blant annet adrenalin 1 mg/ml, antihistamin, kortikosteroid, oksygen med reservoarmaske og bag-ventil-maske.

## Slik handler du
1. Stopp behandlingen og tilkall hjelp. Ring 113.
2. Legg pasienten ned med hevede ben.
3. Gi adrenalin 0,5 mg intramuskulært på utsiden av låret.
4. Gi oksygen og overvåk pasienten til ambulansen kommer.
"""

ANAPHYLAXIS = """\
## Formål
Alle som deltar i injeksjonsbehandling skal kjenne igjen en alvorlig allergisk reaksjon og kunne starte \
behandlingen med en gang.

## Utstyr og ansvar
Akuttskrinet står i injeksjonsrommet, og hjertestarteren (AED) har fast plass som alle kjenner. Skrinet \
inneholder blant annet:

- adrenalin 1 mg/ml (ampuller med sprøyter eller autoinjektorer)
- inhalasjonsmiddel som utvider luftveiene, antihistamin og kortikosteroid
- oksygen med reservoarmaske, bag-ventil-maske, svelgtube og sug
- utstyr for intravenøs tilgang og væske, stetoskop, blodtrykksmåler og pulsoksymeter

**Legen** har ansvaret for at utstyret er komplett og innenfor holdbarhet, og at den som setter injeksjoner \
kan bruke det. Innholdet kontrolleres etter fast plan og alltid etter bruk.

## Slik handler du
1. Stopp injeksjonen og tilkall hjelp. Ring 113 ved tegn på anafylaksi.
2. Legg pasienten ned med hevede ben (halvt sittende ved pustebesvær).
3. Gi adrenalin 1 mg/ml intramuskulært på utsiden av låret: voksne 0,5 mg, barn 0,01 mg/kg (høyst 0,5 mg). \
Gjenta etter 5 minutter hvis effekten uteblir.
4. Gi oksygen, følg puls, blodtrykk og metning, og start hjerte-lunge-redning ved hjertestans.
5. Skriv ned tidspunkter og doser fortløpende.

## Etterpå
Hendelsen journalføres og meldes som avvik. Alle som setter injeksjoner øver på prosedyren minst én gang i året.
"""

MEDICATION = """\
## Formål og ansvar
Klinikkens leder har det overordnede ansvaret for at legemidler håndteres forsvarlig. Bare **legen** \
rekvirerer legemidler. Administrasjon kan delegeres til personell med nødvendig opplæring, og hvem som ga \
legemidlet skal alltid gå fram av journalen.

## Bestilling og mottak
- Legemidler bestilles på legens rekvisisjon.
- Ved mottak kontrolleres legemiddel, styrke, mengde, batchnummer og utløpsdato mot bestillingen, og varen \
registreres på lager.

## Oppbevaring
- Legemidler oppbevares låst, atskilt fra annet utstyr og slik produsenten anviser (temperatur og lys).
- Lageret gjennomgås hver måned. Utløpte eller skadde legemidler tas ut og leveres til apotek for destruksjon.

## Administrasjon og dokumentasjon
Før bruk kontrolleres riktig pasient, legemiddel, dose, administrasjonsvei og tidspunkt. I journalen står \
hvem som ga legemidlet, dose, batchnummer og injeksjonssted. Feil og nestenuhell meldes som avvik.
"""

NEEDLING = """\
## Formål
Nålebehandling gis bare når den er valgt etter fysioterapeutens undersøkelse og i samråd med pasienten, som \
ledd i en plan med øvelser og annen behandling.

## Hvem kan utføre
Fysioterapeuter med dokumentert kurs i nålebehandling. Kompetansen er registrert i personalregisteret.

## Før behandlingen
- Gå gjennom forsiktighetsreglene: pacemaker eller ICD (ikke elektrisk stimulering), blodfortynnende eller \
blødersykdom, graviditet, nedsatt immunforsvar, sår eller infeksjon i huden, lymfødem, ukontrollert epilepsi, \
metallallergi og sterk nåleskrekk.
- Forklar hva pasienten kan kjenne (trykk, murrende verk), og at behandlingen ikke skal gjøre vondt.

## Under behandlingen
- Bruk sterile engangsnåler, og legg dem i kanyleboksen straks de er tatt ut.
- Tell nålene inn og ut. Noter antall og hvor lenge de står (fra noen få minutter til rundt 20 minutter).
- Vær særlig varsom over brystkassen: bruk korte nåler og en vinkel som holder nålen unna lungehinnen.
- Ved elektrisk stimulering noteres innstillingene.

## Etter behandlingen
Bivirkninger journalføres og følges opp. Alvorlige hendelser meldes som avvik.
"""

DEVIATIONS = """\
## Hva er et avvik
Alt som har ført til, eller kunne ha ført til, skade på en pasient eller en ansatt, og alle brudd på lover \
eller klinikkens prosedyrer. Nestenuhell er også avvik.

## Slik melder du
1. Sørg først for at pasienten er ivaretatt.
2. Meld avviket i Kanyle samme dag: hva som skjedde, hvor og når, og hva som ble gjort straks. Ta ikke med \
flere pasientopplysninger enn nødvendig.
3. Alle ansatte kan og skal melde. Avvik brukes til læring, ikke til å finne syndebukker.

## Behandling
- Leder eller ansvarlig lege vurderer avviket innen en uke, finner årsaken og bestemmer korrigerende og \
forebyggende tiltak med ansvarlig og frist.
- Alvorlige hendelser vurderes straks med tanke på varslingsplikt til tilsynsmyndighetene.
- Avvikene gjennomgås samlet i ledelsens årlige gjennomgang, og prosedyrer og risikovurdering oppdateres \
ved behov.
"""

# title, owner key, approver key, [(content, change summary, days since approval)], days to next review
PROCEDURES = [
    ("Injeksjonsbehandling", "doctor", "doctor", [(INJECTION, "Første versjon.", 120)], 245),
    (
        "Anafylaksiberedskap",
        "doctor",
        "doctor",
        [
            (ANAPHYLAXIS_V1, "Første versjon.", 420),
            (ANAPHYLAXIS, "Dosering for barn, fullstendig utstyrsliste og legens ansvar for kontroll.", 30),
        ],
        335,
    ),
    ("Legemiddelhåndtering", "doctor", "doctor", [(MEDICATION, "Første versjon.", 200)], 165),
    ("Nålebehandling", "admin", "doctor", [(NEEDLING, "Første versjon.", 90)], 275),
    ("Avvikshåndtering", "admin", "admin", [(DEVIATIONS, "Første versjon.", 350)], 14),
]

# hazard, description, (L, C), measures, (residual L, C), owner key, days to review
RISKS = [
    (
        "Anafylaksi etter injeksjon",
        "Alvorlig allergisk reaksjon på legemiddel eller lokalbedøvelse, oftest i løpet av minutter.",
        (2, 5),
        "Allergier sjekkes før hver injeksjon. Akuttskrin og hjertestarter kontrolleres etter fast plan. "
        "Alle som injiserer øver på anafylaksiprosedyren årlig. Pasienten observeres etter injeksjonen.",
        (1, 5),
        "doctor",
        90,
    ),
    (
        "Feil legemiddel eller dose",
        "Forveksling av legemidler eller styrker, eller feil dose trukket opp.",
        (2, 4),
        "Bare legen rekvirerer. Legemiddel, styrke, batch og dose kontrolleres av to før injeksjon. "
        "Like forpakninger lagres atskilt.",
        (1, 4),
        "doctor",
        180,
    ),
    (
        "Infeksjon etter injeksjon eller nålebehandling",
        "Bakterier føres inn gjennom huden, i verste fall til et ledd.",
        (2, 4),
        "Aseptisk teknikk, huddesinfeksjon og sterilt engangsutstyr. Aldri injeksjon eller nål gjennom sår eller "
        "infisert hud. Pasienten får skriftlig råd om tegn på infeksjon.",
        (1, 4),
        "doctor",
        180,
    ),
    (
        "Glemt nål etter nålebehandling",
        "En nål blir stående igjen når pasienten går.",
        (3, 2),
        "Nålene telles inn og ut, antallet journalføres, og behandlingsområdet sjekkes før pasienten reiser seg.",
        (1, 2),
        "admin",
        20,
    ),
    (
        "Pneumothorax ved nålebehandling over brystkassen",
        "Nålen går gjennom lungehinnen ved behandling over ribbeina eller skulderbladet.",
        (2, 5),
        "Opplæring i anatomi, korte nåler og flat vinkel over brystkassen, ingen dyp nålebehandling mellom "
        "ribbeina. Pasienten informeres om symptomer og hva hen skal gjøre.",
        (1, 4),
        "doctor",
        200,
    ),
    (
        "Besvimelse (vasovagal reaksjon)",
        "Pasienten besvimer under eller rett etter behandling og kan skade seg i fallet.",
        (4, 2),
        "Behandling gis liggende. Pasienten spørres om tidligere besvimelse og blir ikke alene den første tiden.",
        (3, 2),
        "admin",
        150,
    ),
    (
        "Delegering utenfor kompetanse",
        "En fysioterapeut injiserer uten gyldig delegering, opplæring eller forsikring.",
        (2, 4),
        "Kompetanse og forsikring registreres og verifiseres. Legen delegerer skriftlig. Kanyle stopper "
        "injeksjonen når en forutsetning mangler.",
        (1, 4),
        "doctor",
        240,
    ),
]


@transaction.atomic
def create_demo_documents(*, clinic: Any, admin_user: Any, doctor_user: Any, users: Sequence[Any]) -> None:
    """Give the demo clinic five approved procedures with read receipts and seven assessed risks (INJ-V1..V3).

    Idempotent: a clinic that already has procedures or risks keeps them as they are. ``users`` are the
    staff who read procedures: the first has read everything, the second about half, the rest nothing yet.
    """
    today = timezone.localdate()
    people = {"admin": admin_user, "doctor": doctor_user}
    if not Procedure.objects.filter(clinic=clinic).exists():
        current: list[ProcedureVersion] = []
        for title, owner, approver, versions, review_in in PROCEDURES:
            procedure = Procedure(clinic=clinic, title=title, owner=people[owner])
            procedure.full_clean()
            procedure.save()
            for number, (content, summary, days_ago) in enumerate(versions, start=1):
                approved_on = today - datetime.timedelta(days=days_ago)
                # A replaced version kept the yearly review date it had; the one in force has its own.
                next_review_on = (
                    today + datetime.timedelta(days=review_in)
                    if number == len(versions)
                    else approved_on + datetime.timedelta(days=365)
                )
                version = ProcedureVersion(
                    procedure=procedure,
                    number=number,
                    content=content,
                    change_summary=summary,
                    approved_by=people[approver],
                    approved_on=approved_on,
                    next_review_on=next_review_on,
                    created_by=people[owner],
                )
                version.full_clean()
                version.save()
            current.append(version)
        readers = list(users)
        receipts = []
        for index, user in enumerate(readers[:2]):
            # The first reader has read every procedure, the second every other one.
            receipts += [ReadReceipt(version=v, user=user) for i, v in enumerate(current) if index == 0 or i % 2 == 0]
        ReadReceipt.objects.bulk_create(receipts)
    if not Risk.objects.filter(clinic=clinic).exists():
        for hazard, description, (lik, con), measures, (r_lik, r_con), owner, review_in in RISKS:
            risk = Risk(
                clinic=clinic,
                hazard=hazard,
                description=description,
                likelihood=lik,
                consequence=con,
                measures=measures,
                residual_likelihood=r_lik,
                residual_consequence=r_con,
                owner=people[owner],
                review_on=today + datetime.timedelta(days=review_in),
            )
            risk.full_clean()
            risk.save()
