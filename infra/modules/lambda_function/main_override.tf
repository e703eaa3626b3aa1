# aws provider 4+ knows `architectures`; 3.39 (the offline provider) does not and is x86_64 only.
# In an override file Terraform ignores an attribute the provider does not know, so this one file
# serves both: see docs/terraform.md, "One HCL for ...".
resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_50: this override file only adds `architectures`; every other attribute, and these checks, are main.tf's
  # checkov:skip=CKV_AWS_115: this override file only adds `architectures`; every other attribute, and these checks, are main.tf's
  # checkov:skip=CKV_AWS_116: this override file only adds `architectures`; every other attribute, and these checks, are main.tf's
  # checkov:skip=CKV_AWS_117: this override file only adds `architectures`; every other attribute, and these checks, are main.tf's
  # checkov:skip=CKV_AWS_272: this override file only adds `architectures`; every other attribute, and these checks, are main.tf's
  # checkov:skip=CKV_AWS_173: this override file only adds `architectures`; every other attribute, and these checks, are main.tf's
  architectures = [var.defaults.architecture]
}
