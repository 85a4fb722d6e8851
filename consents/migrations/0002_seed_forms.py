"""Seed a consent form for each seeded procedure and the personal-data one: starting texts for the
clinic's doctor and lawyer to review (edited as new versions in the admin). A form that already
exists is left as it is, so running this again never overwrites the clinic's own text. The seeded
procedures keep "consent not required" until the clinic has reviewed the text and turns it on.
"""

from django.db import migrations

IDS_RU = (
    "Информированное добровольное согласие на медицинское вмешательство\n"
    "(по форме, утверждённой приказом Минздрава России от 12.11.2021 № 1051н)\n\n"
    "Я, пациент, даю информированное добровольное согласие на медицинское вмешательство: {name}.\n\n"
    "Что будет сделано: {what}\n\n"
    "Мне в доступной форме разъяснены цель вмешательства, его ход, ожидаемый результат и возможные риски: {risks}\n\n"
    "Мне разъяснены альтернативы: {alternatives}\n\n"
    "Врачу сообщены мои заболевания, аллергии и принимаемые лекарства. Я знаю, что могу отказаться "
    "от вмешательства или прекратить курс в любой момент, и мне разъяснены возможные последствия отказа.\n\n"
    "После сеанса в течение недели я не использую плотную декоративную косметику и комедогенные кремы, "
    "избегаю долгого пребывания на солнце, тяжёлых физических нагрузок и сауны. При сильном отёке, тёмных "
    "кругах под глазами, зуде, раздражении, красных пятнах, повышении температуры без иной причины, рубцах "
    "или чрезмерной сухости кожи я сразу обращаюсь в клинику."
)
IDS_EN = (
    "Informed voluntary consent to a medical intervention\n"
    "(in the form set by the Ministry of Health of Russia, order No. 1051n of 12 Nov 2021)\n\n"
    "I, the patient, give my informed voluntary consent to the medical intervention: {name}.\n\n"
    "What will be done: {what}\n\n"
    "The aim, the course, the expected result and the possible risks were explained to me: {risks}\n\n"
    "The alternatives were explained to me: {alternatives}\n\n"
    "I have told the clinician about my illnesses, allergies and medicines. I know I may refuse the "
    "intervention or stop the course at any time, and the possible consequences of refusing were explained.\n\n"
    "For a week after a session I avoid heavy decorative cosmetics and pore-clogging creams, long sun "
    "exposure, heavy physical strain and the sauna. If I notice strong swelling, dark circles under the eyes, "
    "itching, irritation, red spots, a raised temperature with no other cause, scars or excessive dryness, "
    "I contact the clinic at once."
)

CRYO_RISKS_RU = (
    "кратковременное покраснение, покалывание и чувство холода; реакция на холод (зуд, жжение) у людей с "
    "холодовой аллергией; обострение герпеса; головная боль."
)
CRYO_RISKS_EN = (
    "short-lived redness, tingling and cold; a reaction to cold (itching, burning) in people allergic to "
    "cold; a flare of herpes; headache."
)
FORMS = {
    "cryomassage-contact": (
        "Согласие на криомассаж кожи головы (контактный)",
        "Consent to scalp cryomassage (contact)",
        "аппликатор, смоченный жидким азотом, проводят по линиям проборов, 3–4 прохода по 5–7 секунд; "
        "перед курсом проводится холодовая проба.",
        "an applicator dipped in liquid nitrogen is drawn along the parting lines, 3-4 passes of 5-7 seconds; "
        "an ice test is done before the course.",
        CRYO_RISKS_RU,
        CRYO_RISKS_EN,
        "бесконтактный аэрокриомассаж, плазмолифтинг, наружные средства, наблюдение без лечения.",
        "non-contact aero-cryomassage, plasmolifting, topical products, watching without treatment.",
    ),
    "cryomassage-aero": (
        "Согласие на аэрокриомассаж кожи головы (бесконтактный)",
        "Consent to scalp aero-cryomassage (non-contact)",
        "насадка на баллоне с жидким азотом распыляет холод по массажным линиям, 3–4 прохода; перед курсом "
        "проводится холодовая проба.",
        "a nozzle on the nitrogen cylinder sprays along the massage lines, 3-4 passes; an ice test is done "
        "before the course.",
        CRYO_RISKS_RU,
        CRYO_RISKS_EN,
        "контактный криомассаж, плазмолифтинг, наружные средства, наблюдение без лечения.",
        "contact cryomassage, plasmolifting, topical products, watching without treatment.",
    ),
    "plasmolifting": (
        "Согласие на плазмолифтинг кожи головы",
        "Consent to scalp plasmolifting (PRP)",
        "берётся венозная кровь, центрифугируется в пробирках с гелем, полученная плазма вводится в кожу "
        "головы микропапулами или шприцем.",
        "venous blood is drawn and centrifuged in gel tubes; the plasma is injected into the scalp by "
        "micro-punctures or a syringe.",
        "боль и синяки в местах уколов и забора крови, отёк, покраснение, редко — инфекция или аллергия на "
        "антикоагулянт пробирки.",
        "pain and bruises where the needle goes in and where blood is drawn, swelling, redness, rarely an "
        "infection or an allergy to the tube's anticoagulant.",
        "криомассаж, наружные средства, наблюдение без лечения.",
        "cryomassage, topical products, watching without treatment.",
    ),
    "cryotherapy-post-procedure": (
        "Согласие на криотерапию после лазера, пилинга или микродермабразии",
        "Consent to cryotherapy after a laser, peel or microdermabrasion",
        "в фазе заживления на кожу воздействуют холодом медицинским аппаратом, чтобы предупредить "
        "поствоспалительную гиперпигментацию.",
        "cold is applied with a medical-grade device during healing to prevent post-inflammatory "
        "hyperpigmentation.",
        "покраснение, жжение, реакция на холод, редко — пузыри или изменение цвета кожи.",
        "redness, burning, a reaction to cold, rarely blisters or a change of skin colour.",
        "заживление без криотерапии, средства ухода, назначенные врачом.",
        "healing without cryotherapy, care products the clinician prescribes.",
    ),
}

PERSONAL_DATA = (
    "Согласие на обработку персональных данных",
    "Consent to the processing of personal data",
    "В соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных» я даю клинике "
    "согласие на обработку моих персональных данных: фамилии, имени, отчества, даты рождения, пола, номера "
    "телефона, адреса электронной почты, а также сведений о состоянии здоровья (специальная категория "
    "персональных данных), — в целях записи на приём, оказания медицинских услуг, ведения медицинской "
    "документации и напоминаний о сеансах. Обработка включает сбор, запись, систематизацию, хранение, "
    "уточнение, использование, обезличивание и уничтожение, с использованием средств автоматизации и без них. "
    "Данные не передаются третьим лицам, кроме случаев, предусмотренных законом. Согласие действует до его "
    "отзыва; я могу отозвать его письменным заявлением или в личном кабинете. Медицинская документация "
    "хранится в сроки, установленные законодательством, и после отзыва согласия.",
    "Under Federal Law No. 152-FZ of 27 July 2006 \"On personal data\" I consent to the clinic processing "
    "my personal data: my full name, date of birth, sex, phone number, e-mail address, and information about "
    "my health (a special category of personal data), in order to book appointments, provide medical "
    "services, keep medical records and remind me of sessions. Processing includes collecting, recording, "
    "organising, storing, correcting, using, anonymising and destroying, with and without automation. "
    "The data is not passed to third parties except where the law requires. The consent lasts until I "
    "withdraw it, by a written statement or in the patient portal. Medical records are kept for the periods "
    "the law sets, after a withdrawal too.",
)


def seed(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    ConsentTemplate = apps.get_model("consents", "ConsentTemplate")
    Version = apps.get_model("consents", "ConsentTemplateVersion")

    def publish(template, text_ru, text_en):
        if not Version.objects.filter(template=template).exists():
            Version.objects.create(
                template=template, number=1, text_ru=text_ru, text_en=text_en, change_note="начальный текст"
            )

    for slug, (title_ru, title_en, what_ru, what_en, risks_ru, risks_en, alt_ru, alt_en) in FORMS.items():
        procedure = Procedure.objects.filter(slug=slug).first()
        if procedure is None:
            continue
        template, _ = ConsentTemplate.objects.get_or_create(
            procedure=procedure, defaults={"kind": "procedure", "title_ru": title_ru, "title_en": title_en}
        )
        publish(
            template,
            IDS_RU.format(name=procedure.name_ru, what=what_ru, risks=risks_ru, alternatives=alt_ru),
            IDS_EN.format(name=procedure.name_en, what=what_en, risks=risks_en, alternatives=alt_en),
        )
    title_ru, title_en, text_ru, text_en = PERSONAL_DATA
    template, _ = ConsentTemplate.objects.get_or_create(
        kind="personal_data", defaults={"title_ru": title_ru, "title_en": title_en}
    )
    publish(template, text_ru, text_en)


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial"), ("procedures", "0003_seed_catalogue")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
