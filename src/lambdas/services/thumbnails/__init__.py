"""S3 image thumbnails: an object created under the upload prefix gets a thumbnail under its own prefix."""
