"""Les filtres du tableau de bord (GET) : période, sites, axes."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.forms import ChoixMultiples
from ccas_portal.models import Site
from ccas_portal.periodes import MOIS, Periode
from ccas_portal.pilotage.indicateurs import Filtres
from droits.axes import AXES

TYPES_PERIODE = (
    ("mois", "Mois"),
    ("trimestre", "Trimestre"),
    ("annee", "Année"),
    ("dates", "Dates choisies"),
)
#: Une période choisie ne dépasse pas cinq ans (au-delà, les tendances n'ont plus de sens).
JOURS_MAXIMUM = 5 * 366
#: Première date plausible d'une période : le portail n'a pas de données plus anciennes, et la
#: comparaison « un an avant » comme les tendances sur douze mois restent dans le calendrier.
PREMIER_JOUR = date(2000, 1, 1)


def dernier_jour() -> date:
    """Dernière date plausible : un an après aujourd'hui (une période qui finit bientôt)."""
    return timezone.localdate() + timedelta(days=365)


class FiltresForm(forms.Form):
    periode = forms.ChoiceField(label="Période", choices=TYPES_PERIODE, initial="mois")
    annee = forms.IntegerField(label="Année", min_value=2000, max_value=2100)
    mois = forms.TypedChoiceField(
        label="Mois",
        choices=[(i + 1, nom.capitalize()) for i, nom in enumerate(MOIS)],
        coerce=int,
        required=False,
    )
    trimestre = forms.TypedChoiceField(
        label="Trimestre",
        choices=[
            (1, "1er trimestre"),
            (2, "2e trimestre"),
            (3, "3e trimestre"),
            (4, "4e trimestre"),
        ],
        coerce=int,
        required=False,
    )
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sites = ChoixMultiples(
        label="Sites",
        queryset=Site.objects.none(),
        required=False,
        help_text="Aucun choisi : tous vos sites.",
        widget=forms.CheckboxSelectMultiple,
    )
    axes = forms.MultipleChoiceField(
        label="Axes",
        choices=[(code, axe.libelle_court) for code, axe in AXES.items()],
        required=False,
        help_text="Aucun choisi : tous les axes.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, donnees, *, agent, avec_axes=True):
        aujourd_hui = timezone.localdate()
        valeurs = {
            "periode": "mois",
            "annee": aujourd_hui.year,
            "mois": aujourd_hui.month,
            "trimestre": (aujourd_hui.month - 1) // 3 + 1,
        }
        valeurs.update({k: v for k, v in donnees.items() if k not in ("sites", "axes")})
        if hasattr(donnees, "getlist"):
            valeurs["sites"] = donnees.getlist("sites")
            valeurs["axes"] = donnees.getlist("axes")
        super().__init__(valeurs)
        self.premier_jour, self.dernier_jour = PREMIER_JOUR, dernier_jour()
        self.sites_permis = perms.sites_pilotables(agent)
        self.fields["sites"].queryset = self.sites_permis
        if not avec_axes:
            del self.fields["axes"]

    def clean_annee(self):
        annee = self.cleaned_data["annee"]
        if annee is not None and annee > dernier_jour().year:
            raise forms.ValidationError(
                f"Choisissez une année entre {PREMIER_JOUR.year} et {dernier_jour().year}."
            )
        return annee

    def _date_plausible(self, champ: str) -> date | None:
        jour = self.cleaned_data.get(champ)
        if jour is not None and not PREMIER_JOUR <= jour <= dernier_jour():
            raise forms.ValidationError(
                f"Choisissez une date entre le {PREMIER_JOUR:%d/%m/%Y} "
                f"et le {dernier_jour():%d/%m/%Y}."
            )
        return jour

    def clean_du(self):
        return self._date_plausible("du")

    def clean_au(self):
        return self._date_plausible("au")

    def clean(self):
        donnees = super().clean()
        type_periode, annee = donnees.get("periode"), donnees.get("annee")
        if type_periode == "dates":
            if "du" in self.errors or "au" in self.errors:
                return donnees  # l'erreur est déjà à côté du champ
            du, au = donnees.get("du"), donnees.get("au")
            if not du or not au:
                raise forms.ValidationError("Donnez la date de début et la date de fin.")
            if au < du:
                raise forms.ValidationError("La date de fin précède la date de début.")
            if (au - du).days > JOURS_MAXIMUM:
                raise forms.ValidationError("Une période de cinq ans au plus, s'il vous plaît.")
            donnees["periode_choisie"] = Periode.dates(du, au)
        elif annee is not None and type_periode:
            if type_periode == "mois":
                if not donnees.get("mois"):
                    raise forms.ValidationError("Choisissez le mois.")
                donnees["periode_choisie"] = Periode.mois(date(annee, donnees["mois"], 1))
            elif type_periode == "trimestre":
                if not donnees.get("trimestre"):
                    raise forms.ValidationError("Choisissez le trimestre.")
                donnees["periode_choisie"] = Periode.trimestre(
                    date(annee, 3 * donnees["trimestre"] - 2, 1)
                )
            else:
                donnees["periode_choisie"] = Periode.annee(date(annee, 1, 1))
        return donnees

    def filtres(self, *, axe: str | None = None) -> Filtres:
        """Les filtres validés (ou ceux par défaut : le mois en cours, si le formulaire est
        invalide — les erreurs sont affichées au-dessus)."""
        if self.is_valid():
            periode = self.cleaned_data["periode_choisie"]
            sites = tuple(s.pk for s in self.cleaned_data["sites"])
            axes = (axe,) if axe else tuple(self.cleaned_data.get("axes") or ())
        else:
            periode, sites, axes = Periode.mois(timezone.localdate()), (), (axe,) if axe else ()
        return Filtres(periode, sites, axes, perms.perimetre_des_sites(self.sites_permis))

    def description(self, filtres: Filtres) -> list[tuple[str, str]]:
        """Les filtres en clair (en-tête des exports)."""
        noms = dict(self.sites_permis.values_list("pk", "nom"))
        return [
            (
                "Période",
                f"{filtres.periode.libelle} (du {filtres.periode.debut:%d/%m/%Y} au {filtres.periode.fin:%d/%m/%Y})",
            ),
            (
                "Sites",
                ", ".join(noms[pk] for pk in filtres.sites_effectifs)
                if filtres.sites_effectifs is not None
                else "tous",
            ),
            (
                "Axes",
                ", ".join(AXES[c].libelle_court for c in filtres.axes) if filtres.axes else "tous",
            ),
        ]
