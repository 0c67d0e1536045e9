from django.db import models


class Axe(models.Model):
    """Un axe de droits fondamentaux, copie en base de sa déclaration dans `droits/axes/`."""

    code = models.SlugField("code", max_length=30, primary_key=True)
    ordre = models.PositiveSmallIntegerField("ordre")
    libelle = models.CharField("intitulé", max_length=200)
    libelle_court = models.CharField("intitulé court", max_length=60)
    description = models.TextField("description")
    actif = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "axe de droits"
        verbose_name_plural = "axes de droits"
        ordering = ["ordre"]

    def __str__(self):
        return self.libelle_court
