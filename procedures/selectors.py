"""Reads of the catalogue and of clinical records, scoped to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Prefetch

from core.policy import allowed

from .eligibility import eligibility, load_clinical_facts
from .models import IceTest, Procedure, Screening, ScreeningAnswer
from .rules import Decision


@dataclass
class ClinicalSummary:
    clinical: bool  # whether the viewer sees clinical answers, or outcomes only
    eligibility: list[tuple[Procedure, Decision]] = field(default_factory=list)
    screening_chains: list[list[Screening]] = field(default_factory=list)  # newest version first
    ice_test_chains: list[list[IceTest]] = field(default_factory=list)

    @property
    def screening_ids(self) -> list[int]:
        return [s.pk for chain in self.screening_chains for s in chain]

    @property
    def ice_test_ids(self) -> list[int]:
        return [t.pk for chain in self.ice_test_chains for t in chain]


def _chains(records) -> list[list]:
    records = sorted(records, key=lambda r: (r.chain, -r.version))
    chains = [list(group) for _, group in groupby(records, key=lambda r: r.chain)]
    return sorted(chains, key=lambda chain: chain[0].pk, reverse=True)


def screenings_with_details(queryset, *, clinical: bool):
    queryset = queryset.select_related("signed_by").prefetch_related("procedures")
    if clinical:
        answers = ScreeningAnswer.objects.select_related("contraindication").order_by("contraindication__slug")
        queryset = queryset.prefetch_related(Prefetch("answers", queryset=answers), "indications")
    return queryset


def patient_clinical_summary(*, patient, viewer) -> ClinicalSummary:
    """Eligibility for every offered procedure and the history of records, in a fixed number of queries."""
    clinical = allowed(viewer, "clinical.view")
    summary = ClinicalSummary(clinical=clinical)
    facts = load_clinical_facts(patient.pk)
    from django.utils import timezone

    now = timezone.now()
    summary.eligibility = [
        (procedure, eligibility(patient=patient, procedure=procedure, when=now, facts=facts))
        for procedure in Procedure.objects.filter(active=True)
    ]
    screenings = screenings_with_details(Screening.objects.filter(patient=patient), clinical=clinical)
    summary.screening_chains = _chains(screenings)
    summary.ice_test_chains = _chains(IceTest.objects.filter(patient=patient).select_related("signed_by"))
    return summary


def screening_chain(screening: Screening, *, clinical: bool) -> list[Screening]:
    queryset = Screening.objects.filter(chain=screening.chain).order_by("-version")
    return list(screenings_with_details(queryset, clinical=clinical))


def ice_test_chain(test: IceTest) -> list[IceTest]:
    return list(IceTest.objects.filter(chain=test.chain).select_related("signed_by").order_by("-version"))


def catalogue():
    return Procedure.objects.prefetch_related("contraindications", "indications", "resource_kinds").order_by("slug")
