from django.urls import path

from . import views

app_name = "purchase"
urlpatterns = [
    path("filings/", views.filing_list, name="filing_list"),
    path("filings/new/", views.filing_edit, name="filing_create"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/edit/", views.filing_edit, name="filing_edit"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing_submit"),
    path("filings/<int:pk>/decide/", views.filing_decide, name="filing_decide"),
    path("documents/<int:pk>/", views.filing_document, name="filing_document"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_edit, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_edit, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/targets/", views.contract_targets, name="contract_targets"),
    path("instalments/<int:pk>/confirm/", views.instalment_confirm, name="instalment_confirm"),
    path("instalments/<int:pk>/pay/", views.instalment_pay, name="instalment_pay"),
    path("spending/", views.spending_list, name="spending_list"),
    path("spending/new/", views.spending_create, name="spending_create"),
    path("spending/<int:pk>/", views.spending_detail, name="spending_detail"),
    path("spending/<int:pk>/decide/", views.spending_decide, name="spending_decide"),
    path("spending/<int:pk>/voucher/", views.voucher, name="voucher"),
    path("budget/", views.budget, name="budget"),
    path("payroll/", views.payroll_list, name="payroll_list"),
    path("payroll/new/", views.payroll_create, name="payroll_create"),
    path("payroll/import/", views.payroll_import, name="payroll_import"),
    path("payroll/template/", views.payroll_template, name="payroll_template"),
    path("labour-contracts/", views.labour_contract_list, name="labour_contract_list"),
    path("labour-contracts/new/", views.labour_contract_create, name="labour_contract_create"),
    path(
        "labour-contracts/<int:pk>/document/",
        views.labour_contract_document,
        name="labour_contract_document",
    ),
    path("compliance/", views.compliance, name="compliance"),
]
