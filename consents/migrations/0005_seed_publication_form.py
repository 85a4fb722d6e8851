"""Seed the one form of consent to publishing photos on the clinic's site ("Results"): a starting text
for the clinic's lawyer to review (a change is a new version in the admin). A form that already exists
is left as it is, so running this again never overwrites the clinic's own text.
"""

from django.db import migrations

TITLE_RU = "Согласие на публикацию фотографий на сайте клиники"
TITLE_EN = "Consent to publishing photos on the clinic's website"
TEXT_RU = (
    "Я, пациент, даю клинике согласие на публикацию фотографий кожи головы, сделанных до, во время и после "
    "курса процедур, на сайте клиники в разделе «Результаты».\n\n"
    "Публикуются только снимки, на которых врач не видит лица и других признаков, по которым меня можно "
    "узнать. Рядом с фотографиями не указываются мои фамилия, имя, дата рождения, контакты и точные даты "
    "посещений; указываются процедура и этап курса («до курса», «после курса»).\n\n"
    "Это согласие отдельно от согласия на медицинское вмешательство и на обработку персональных данных: "
    "отказ от него никак не влияет на лечение.\n\n"
    "Согласие действует до его отзыва. Я могу отозвать его в личном кабинете или в клинике; после отзыва "
    "мои фотографии сразу перестают показываться на сайте. Копии, которые посетители сайта уже сохранили "
    "у себя, клиника удалить не может."
)
TEXT_EN = (
    "I, the patient, consent to the clinic publishing photos of my scalp taken before, during and after my "
    "course of procedures on the clinic's website, in its \"Results\" section.\n\n"
    "Only pictures in which the clinician sees no face and nothing else by which I could be recognised are "
    "published. Next to the photos the clinic gives neither my name, date of birth or contacts nor the exact "
    "dates of my visits; it gives the procedure and the stage of the course (\"before\", \"after\").\n\n"
    "This consent is separate from the consent to the medical intervention and to the processing of personal "
    "data: refusing it does not affect my treatment in any way.\n\n"
    "The consent lasts until I withdraw it. I may withdraw it in the patient portal or at the clinic; from "
    "then on my photos stop showing on the website at once. Copies that visitors have already saved the "
    "clinic cannot remove."
)


def seed(apps, schema_editor):
    ConsentTemplate = apps.get_model("consents", "ConsentTemplate")
    Version = apps.get_model("consents", "ConsentTemplateVersion")
    template, _ = ConsentTemplate.objects.get_or_create(
        kind="publication", defaults={"title_ru": TITLE_RU, "title_en": TITLE_EN}
    )
    if not Version.objects.filter(template=template).exists():
        Version.objects.create(
            template=template, number=1, text_ru=TEXT_RU, text_en=TEXT_EN, change_note="начальный текст"
        )


def unseed(apps, schema_editor):
    """Going back before 0004, whose constraint knows no publication form: the unsigned form goes
    (a signed one PROTECTs it, and the migration stops rather than lose evidence)."""
    # Plain SQL: the ORM's cascade would read other apps' tables as they are later in the history.
    schema_editor.execute(
        "DELETE FROM consents_consenttemplateversion WHERE template_id IN "
        "(SELECT id FROM consents_consenttemplate WHERE kind = 'publication')"
    )
    schema_editor.execute("DELETE FROM consents_consenttemplate WHERE kind = 'publication'")


class Migration(migrations.Migration):
    dependencies = [("consents", "0004_publication_form")]
    operations = [migrations.RunPython(seed, unseed)]
