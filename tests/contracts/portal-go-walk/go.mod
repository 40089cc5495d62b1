module forecourt.test/portal-go-walk

go 1.19

require github.com/TykTechnologies/portal-go v0.0.0

replace github.com/TykTechnologies/portal-go => ../portal-go
