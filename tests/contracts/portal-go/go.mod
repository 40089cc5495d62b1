module github.com/TykTechnologies/portal-go

go 1.20
