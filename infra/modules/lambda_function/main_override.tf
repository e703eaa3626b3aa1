# aws provider 4+ knows `architectures`; 3.39 (the offline provider) does not and is x86_64 only.
# In an override file Terraform ignores an attribute the provider does not know, so this one file
# serves both: see ../../README.md, "One HCL for aws 3.39 and 5.x/6.x".
resource "aws_lambda_function" "this" {
  architectures = [var.architecture]
}
