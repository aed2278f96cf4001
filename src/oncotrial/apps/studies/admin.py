from django.contrib import admin

from oncotrial.apps.studies.models import ProtocolVersion, Study


class ProtocolVersionInline(admin.TabularInline):
    model = ProtocolVersion
    fields = ("sequence", "label", "loaded_at", "source_name", "sha256", "loaded_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("key", "nct_id", "title", "created")
    readonly_fields = ("key", "nct_id", "title", "created")
    inlines = [ProtocolVersionInline]

    def has_add_permission(self, request: object) -> bool:
        return False
