// Command portal-go-walk calls every exported method of Tyk's Go client of the Enterprise Developer
// Portal Admin API (github.com/TykTechnologies/portal-go, vendored beside it) against a portal, in the
// order an operator's tooling would, and prints one JSON line per method:
//
//	{"method": "Orgs.CreateOrg", "ok": true, "error": ""}
//
// A method is ok when the client returned no error AND the answer says what was asked (the created
// object has an ID and the name sent, a list holds what was created, an update shows the change):
// the client decodes answers silently, so "no error" alone would pass an answer it could not read.
// Methods that need an object an earlier method failed to make are reported as not ok ("skipped").
//
// Usage: PORTAL_TOKEN=... portal-go-walk -url http://127.0.0.1:3001 -dashboard URL -dashboard-secret KEY
// -org-id ORG -theme theme.zip. The token is read from the environment, never from the command line.
//
// The access-request methods need pending requests (no Admin API call creates one: consumers do, in
// the portal): the walk uses the pending requests of the app that has at least four of them.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	portal "github.com/TykTechnologies/portal-go"
)

type line struct {
	Method string `json:"method"`
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
}

var out = json.NewEncoder(os.Stdout)

// step runs one method call (fn) and prints its line; it returns whether it was ok.
func step(method string, fn func() error) bool {
	err := fn()
	l := line{Method: method, OK: err == nil}
	if err != nil {
		l.Error = err.Error()
	}
	if encErr := out.Encode(l); encErr != nil {
		fmt.Fprintln(os.Stderr, encErr)
		os.Exit(2)
	}
	return err == nil
}

func skipped(what string) func() error {
	return func() error { return fmt.Errorf("skipped: needs %s", what) }
}

func want(what string, got, expected interface{}) error {
	if fmt.Sprint(got) != fmt.Sprint(expected) {
		return fmt.Errorf("answer: %s = %v, want %v", what, got, expected)
	}
	return nil
}

func main() {
	baseURL := flag.String("url", os.Getenv("PORTAL_URL"), "the portal's base URL")
	dashboard := flag.String("dashboard", "", "a Tyk Dashboard's URL, for CreateProvider")
	dashboardSecret := flag.String("dashboard-secret", "", "that Dashboard's API key")
	orgID := flag.String("org-id", "", "that Dashboard's organisation ID")
	unreachable := flag.String("unreachable", "http://127.0.0.1:9", "a Dashboard URL that answers nothing (the provider DeleteProvider deletes)")
	themePath := flag.String("theme", "", "a theme zip for UploadTheme")
	flag.Parse()

	client, err := portal.New(portal.WithBaseURL(*baseURL), portal.WithToken(os.Getenv("PORTAL_TOKEN")),
		portal.WithReadTimeout(30000))
	if err != nil {
		fmt.Fprintln(os.Stderr, "portal-go:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &walk{c: client, ctx: ctx}
	w.providers(*dashboard, *dashboardSecret, *orgID, *unreachable)
	w.orgsAndUsers()
	w.catalogue()
	w.apps()
	w.accessRequests()
	w.pages()
	w.theme(*themePath)
	w.cleanUp()
}

type walk struct {
	c   *portal.Client
	ctx context.Context

	provider, spareProvider int64
	org, team, user         int64
	product, plan, cat      int64
	app                     int64
}

func (w *walk) providers(dashboard, secret, orgID, unreachable string) {
	p := w.c.Providers()
	meta := func(url string) string {
		b, _ := json.Marshal(map[string]interface{}{"URL": url, "Secret": secret, "OrgID": orgID,
			"PoliciesTags": []string{"portal"}})
		return string(b)
	}
	step("Providers.CreateProvider", func() error {
		o, err := p.CreateProvider(w.ctx, &portal.CreateProviderInput{Name: "portal-go Dashboard", Type: "tyk-pro",
			Configuration: &portal.ProviderConfiguration{MetaData: meta(dashboard)}})
		if err != nil {
			return err
		}
		w.provider = o.Provider.ID
		if w.provider == 0 {
			return errors.New("answer: no ID")
		}
		return want("Name", o.Provider.Name, "portal-go Dashboard")
	})
	var got *portal.Provider
	if w.provider == 0 {
		step("Providers.GetProvider", skipped("CreateProvider"))
	} else {
		step("Providers.GetProvider", func() error {
			o, err := p.GetProvider(w.ctx, w.provider)
			if err != nil {
				return err
			}
			got = o.Provider
			if err := want("ID", got.ID, w.provider); err != nil {
				return err
			}
			if got.Configuration == nil || !strings.Contains(got.Configuration.MetaData, dashboard) {
				return fmt.Errorf("answer: Configuration %+v has not the URL sent", got.Configuration)
			}
			return nil
		})
	}
	step("Providers.ListProviders", func() error {
		o, err := p.ListProviders(w.ctx, &portal.ListProvidersInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if x.ID == w.provider && x.Name == "portal-go Dashboard" {
				return nil
			}
		}
		return fmt.Errorf("answer: provider %d not in %+v", w.provider, o.Data)
	})
	if got == nil {
		step("Providers.UpdateProvider", skipped("GetProvider"))
	} else {
		// A round trip: what GET answered (its masked key included), renamed, PUT back.
		step("Providers.UpdateProvider", func() error {
			o, err := p.UpdateProvider(w.ctx, w.provider, &portal.UpdateProviderInput{ID: &got.ID,
				Name: "portal-go Dashboard (renamed)", Type: got.Type, Configuration: got.Configuration})
			if err != nil {
				return err
			}
			return want("Name", o.Provider.Name, "portal-go Dashboard (renamed)")
		})
	}
	if w.provider == 0 {
		step("Providers.SyncProvider", skipped("CreateProvider"))
	} else {
		step("Providers.SyncProvider", func() error {
			_, err := p.SyncProvider(w.ctx, w.provider)
			return err
		})
	}
	step("Providers.SyncProviders", func() error {
		_, err := p.SyncProviders(w.ctx)
		return err
	})
	// The provider DeleteProvider deletes is one that never syncs (nothing comes from it).
	o, err := p.CreateProvider(w.ctx, &portal.CreateProviderInput{Name: "portal-go spare", Type: "tyk-pro",
		Configuration: &portal.ProviderConfiguration{MetaData: meta(unreachable)}})
	if err == nil {
		w.spareProvider = o.Provider.ID
	}
}

func (w *walk) orgsAndUsers() {
	orgs, users := w.c.Orgs(), w.c.Users()
	step("Orgs.CreateOrg", func() error {
		o, err := orgs.CreateOrg(w.ctx, &portal.CreateOrgInput{Name: "portal-go Org"})
		if err != nil {
			return err
		}
		w.org = o.Data.ID
		if w.org == 0 {
			return errors.New("answer: no ID")
		}
		return want("Name", o.Data.Name, "portal-go Org")
	})
	var org *portal.Org
	if w.org == 0 {
		step("Orgs.GetOrg", skipped("CreateOrg"))
	} else {
		step("Orgs.GetOrg", func() error {
			o, err := orgs.GetOrg(w.ctx, w.org)
			if err != nil {
				return err
			}
			org = o.Data
			return want("Name", o.Data.Name, "portal-go Org")
		})
	}
	step("Orgs.ListOrgs", func() error {
		o, err := orgs.ListOrgs(w.ctx, &portal.ListOrgsInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if x.ID == w.org && w.org != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: organisation %d not in the list", w.org)
	})
	if org == nil {
		step("Orgs.UpdateOrg", skipped("GetOrg"))
	} else {
		step("Orgs.UpdateOrg", func() error {
			o, err := orgs.UpdateOrg(w.ctx, w.org, &portal.UpdateOrgInput{ID: &org.ID, Name: org.Name + " (renamed)"})
			if err != nil {
				return err
			}
			return want("Name", o.Data.Name, "portal-go Org (renamed)")
		})
	}

	step("Users.CreateUser", func() error {
		o, err := users.CreateUser(w.ctx, &portal.CreateUserInput{Email: "portal-go@example.com", First: "Portal",
			Last: "Go", OrgID: w.org, Role: "consumer-admin", Active: true})
		if err != nil {
			return err
		}
		w.user = o.Data.ID
		if w.user == 0 {
			return errors.New("answer: no ID")
		}
		return want("Email", o.Data.Email, "portal-go@example.com")
	})
	var user *portal.User
	if w.user == 0 {
		step("Users.GetUser", skipped("CreateUser"))
	} else {
		step("Users.GetUser", func() error {
			o, err := users.GetUser(w.ctx, w.user)
			if err != nil {
				return err
			}
			user = o.Data
			if err := want("OrganisationID", o.Data.OrgID, w.org); err != nil {
				return err
			}
			return want("Role", o.Data.Role, "consumer-admin")
		})
	}
	step("Users.ListUsers", func() error {
		o, err := users.ListUsers(w.ctx, &portal.ListUsersInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Users {
			if x.ID == w.user && w.user != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: user %d not in the list", w.user)
	})
	if user == nil {
		step("Users.UpdateUser", skipped("GetUser"))
	} else {
		step("Users.UpdateUser", func() error {
			o, err := users.UpdateUser(w.ctx, w.user, &portal.UpdateUserInput{ID: &user.ID, Email: user.Email,
				First: user.First, Last: "Gopher", OrgID: user.OrgID, Role: user.Role, Active: user.Active})
			if err != nil {
				return err
			}
			return want("Last", o.Data.Last, "Gopher")
		})
	}

	if w.org == 0 || w.user == 0 {
		for _, m := range []string{"CreateTeam", "GetTeam", "ListTeams", "UpdateTeam"} {
			step("Orgs."+m, skipped("CreateOrg and CreateUser"))
		}
		return
	}
	step("Orgs.CreateTeam", func() error {
		o, err := orgs.CreateTeam(w.ctx, w.org, &portal.TeamInput{Name: "portal-go Team", Users: []int64{w.user}})
		if err != nil {
			return err
		}
		w.team = o.Data.ID
		if w.team == 0 {
			return errors.New("answer: no ID")
		}
		return want("Users", len(o.Data.Users), 1)
	})
	if w.team == 0 {
		step("Orgs.GetTeam", skipped("CreateTeam"))
	} else {
		step("Orgs.GetTeam", func() error {
			o, err := orgs.GetTeam(w.ctx, w.org, w.team)
			if err != nil {
				return err
			}
			if err := want("Name", o.Data.Name, "portal-go Team"); err != nil {
				return err
			}
			return want("Users", len(o.Data.Users), 1)
		})
	}
	step("Orgs.ListTeams", func() error {
		o, err := orgs.ListTeams(w.ctx, w.org, &portal.ListTeamsInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if x.ID == w.team && w.team != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: team %d not in the list", w.team)
	})
	if w.team == 0 {
		step("Orgs.UpdateTeam", skipped("CreateTeam"))
	} else {
		step("Orgs.UpdateTeam", func() error {
			o, err := orgs.UpdateTeam(w.ctx, w.org, w.team, &portal.TeamInput{Name: "portal-go Team (renamed)",
				Users: []int64{w.user}})
			if err != nil {
				return err
			}
			return want("Name", o.Data.Name, "portal-go Team (renamed)")
		})
	}
}

func (w *walk) catalogue() {
	products, plans, cats := w.c.Products(), w.c.Plans(), w.c.Catalogues()
	step("Products.CreateProduct", func() error {
		o, err := products.CreateProduct(w.ctx, &portal.CreateProductInput{DisplayName: "portal-go Product",
			Description: "Made by portal-go", Content: "# Hello"})
		if err != nil {
			return err
		}
		w.product = int64(o.Data.ID)
		if w.product == 0 {
			return errors.New("answer: no ID")
		}
		return want("DisplayName", o.Data.DisplayName, "portal-go Product")
	})
	var product *portal.Product
	if w.product == 0 {
		step("Products.GetProduct", skipped("CreateProduct"))
	} else {
		step("Products.GetProduct", func() error {
			o, err := products.GetProduct(w.ctx, w.product)
			if err != nil {
				return err
			}
			product = o.Data
			return want("Description", o.Data.Description, "Made by portal-go")
		})
	}
	step("Products.ListProducts", func() error {
		o, err := products.ListProducts(w.ctx, &portal.ListProductsInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if int64(x.ID) == w.product && w.product != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: product %d not in the list", w.product)
	})
	if product == nil {
		step("Products.UpdateProduct", skipped("GetProduct"))
	} else {
		step("Products.UpdateProduct", func() error {
			o, err := products.UpdateProduct(w.ctx, w.product, &portal.UpdateProductInput{
				DisplayName: product.DisplayName, Description: "Changed by portal-go", Content: product.Content,
				Feature: &product.Feature, DCREnabled: &product.DCREnabled})
			if err != nil {
				return err
			}
			return want("Description", o.Data.Description, "Changed by portal-go")
		})
	}

	no := false
	step("Plans.CreatePlan", func() error {
		o, err := plans.CreatePlan(w.ctx, &portal.CreatePlanInput{DisplayName: "portal-go Plan",
			Description: "Made by portal-go", AutoApproveAccessRequests: &no})
		if err != nil {
			return err
		}
		w.plan = o.Data.ID
		if w.plan == 0 {
			return errors.New("answer: no ID")
		}
		return want("DisplayName", o.Data.DisplayName, "portal-go Plan")
	})
	var plan *portal.Plan
	if w.plan == 0 {
		step("Plans.GetPlan", skipped("CreatePlan"))
	} else {
		step("Plans.GetPlan", func() error {
			o, err := plans.GetPlan(w.ctx, w.plan)
			if err != nil {
				return err
			}
			plan = o.Data
			return want("Description", o.Data.Description, "Made by portal-go")
		})
	}
	step("Plans.ListPlans", func() error {
		o, err := plans.ListPlans(w.ctx, &portal.ListPlansInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if x.ID == w.plan && w.plan != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: plan %d not in the list", w.plan)
	})
	if plan == nil {
		step("Plans.UpdatePlan", skipped("GetPlan"))
	} else {
		step("Plans.UpdatePlan", func() error {
			auto := plan.AutoApproveAccessRequests
			o, err := plans.UpdatePlan(w.ctx, w.plan, &portal.UpdatePlanInput{DisplayName: plan.DisplayName,
				Description: "Changed by portal-go", AutoApproveAccessRequests: &auto, JWTScope: plan.JWTScope})
			if err != nil {
				return err
			}
			return want("Description", o.Data.Description, "Changed by portal-go")
		})
	}

	input := &portal.CreateCatalogueInput{Name: "portal-go Catalogue", VisibilityStatus: "Public"}
	if w.product != 0 {
		input.Products = []int64{w.product}
	}
	if w.plan != 0 {
		input.Plans = []int64{w.plan}
	}
	step("Catalogues.CreateCatalogue", func() error {
		o, err := cats.CreateCatalogue(w.ctx, input)
		if err != nil {
			return err
		}
		w.cat = o.Data.ID
		if w.cat == 0 {
			return errors.New("answer: no ID")
		}
		return want("Name", o.Data.Name, "portal-go Catalogue")
	})
	var cat *portal.Catalogue
	if w.cat == 0 {
		step("Catalogues.GetCatalogue", skipped("CreateCatalogue"))
	} else {
		step("Catalogues.GetCatalogue", func() error {
			o, err := cats.GetCatalogue(w.ctx, w.cat)
			if err != nil {
				return err
			}
			cat = o.Data
			if err := want("Products", len(o.Data.Products), len(input.Products)); err != nil {
				return err
			}
			return want("Plans", len(o.Data.Plans), len(input.Plans))
		})
	}
	step("Catalogues.ListCatalogues", func() error {
		o, err := cats.ListCatalogues(w.ctx, &portal.ListCataloguesInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if x.ID == w.cat && w.cat != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: catalogue %d not in the list", w.cat)
	})
	if cat == nil {
		step("Catalogues.UpdateCatalogue", skipped("GetCatalogue"))
	} else {
		step("Catalogues.UpdateCatalogue", func() error {
			o, err := cats.UpdateCatalogue(w.ctx, w.cat, &portal.UpdateCatalogueInput{ID: &cat.ID,
				Name: "portal-go Catalogue (renamed)", VisibilityStatus: cat.VisibilityStatus,
				Products: input.Products, Plans: input.Plans})
			if err != nil {
				return err
			}
			if err := want("Name", o.Data.Name, "portal-go Catalogue (renamed)"); err != nil {
				return err
			}
			return want("Products", len(o.Data.Products), len(input.Products))
		})
	}
}

func (w *walk) apps() {
	apps := w.c.Apps()
	if w.user == 0 {
		step("Apps.CreateApp", skipped("CreateUser"))
	} else {
		step("Apps.CreateApp", func() error {
			o, err := apps.CreateApp(w.ctx, &portal.AppInput{Name: "portal-go App", Description: "Made by portal-go",
				RedirectURLs: "https://app.example.com/callback", UserID: w.user})
			if err != nil {
				return err
			}
			w.app = o.Data.ID
			if w.app == 0 {
				return errors.New("answer: no ID")
			}
			return want("UserID", o.Data.UserID, w.user)
		})
	}
	var app *portal.App
	if w.app == 0 {
		step("Apps.GetApp", skipped("CreateApp"))
	} else {
		step("Apps.GetApp", func() error {
			o, err := apps.GetApp(w.ctx, w.app)
			if err != nil {
				return err
			}
			app = o.Data
			return want("RedirectURLs", o.Data.RedirectURLs, "https://app.example.com/callback")
		})
	}
	step("Apps.ListApps", func() error {
		o, err := apps.ListApps(w.ctx)
		if err != nil {
			return err
		}
		for _, x := range o.Data {
			if x.ID == w.app && w.app != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: app %d not in the list", w.app)
	})
	if app == nil {
		step("Apps.UpdateApp", skipped("GetApp"))
	} else {
		step("Apps.UpdateApp", func() error {
			o, err := apps.UpdateApp(w.ctx, w.app, &portal.AppInput{Name: app.Name, Description: "Changed by portal-go",
				RedirectURLs: app.RedirectURLs, UserID: app.UserID})
			if err != nil {
				return err
			}
			return want("Description", o.Data.Description, "Changed by portal-go")
		})
	}
}

// accessRequests approves, rejects and deletes pending requests of one app, and provisions it.
func (w *walk) accessRequests() {
	ars, apps := w.c.ARs(), w.c.Apps()
	var pending []portal.ARDetails
	step("ARs.ListARs", func() error {
		o, err := ars.ListARs(w.ctx)
		if err != nil {
			return err
		}
		byClient := map[string][]portal.ARDetails{}
		for _, r := range o.Data {
			if r.ID == 0 || r.Status == "" {
				return fmt.Errorf("answer: an access request without ID or Status: %+v", r)
			}
			if r.Status == "pending" {
				byClient[r.Client] = append(byClient[r.Client], r)
			}
		}
		for _, rs := range byClient {
			if len(rs) >= 4 {
				pending = rs
				return nil
			}
		}
		return fmt.Errorf("answer: no app with four pending access requests in %d requests", len(o.Data))
	})
	var appID int64
	if len(pending) > 0 {
		if o, err := apps.ListApps(w.ctx); err == nil {
			for _, a := range o.Data {
				if a.Name == pending[0].Client {
					appID = a.ID
				}
			}
		}
	}
	if appID == 0 {
		for _, m := range []string{"ARs.ApproveAR", "ARs.RejectAR", "ARs.DeleteAR", "ARs.GetAR", "Apps.ListARs",
			"Apps.GetAR", "Apps.ProvisionApp"} {
			step(m, skipped("an app with four pending access requests (ARs.ListARs, Apps.ListApps)"))
		}
		return
	}
	approve, reject, del, provision := pending[0].ID, pending[1].ID, pending[2].ID, pending[3].ID
	step("ARs.ApproveAR", func() error {
		_, err := ars.ApproveAR(w.ctx, approve)
		return err
	})
	step("ARs.RejectAR", func() error { // Tyk's reject has no body: neither has portal-go's
		_, err := ars.RejectAR(w.ctx, reject)
		return err
	})
	step("ARs.DeleteAR", func() error {
		_, err := ars.DeleteAR(w.ctx, del)
		return err
	})
	// Approving queues the credential's creation at the Dashboard: wait (20 s at most) for it.
	step("ARs.GetAR", func() error {
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			o, err := ars.GetAR(w.ctx, approve)
			if err != nil {
				return err
			}
			if err := want("Status", o.Data.Status, "approved"); err != nil {
				return err
			}
			if len(o.Data.Credentials) > 0 {
				return nil
			}
			if time.Now().After(deadline) {
				return errors.New("answer: no credential 20 s after ApproveAR")
			}
		}
	})
	step("Apps.ListARs", func() error {
		o, err := apps.ListARs(w.ctx, appID)
		if err != nil {
			return err
		}
		statuses := map[int64]string{}
		for _, r := range o.Data {
			statuses[r.ID] = r.Status
		}
		if _, found := statuses[del]; found {
			return fmt.Errorf("answer: the deleted access request %d is still listed", del)
		}
		if err := want("statuses", []string{statuses[approve], statuses[reject]}, []string{"approved", "rejected"}); err != nil {
			return err
		}
		for _, r := range o.Data {
			if r.ID == approve && len(r.Credentials) == 0 {
				return errors.New("answer: the approved request has no credential")
			}
		}
		return nil
	})
	step("Apps.GetAR", func() error {
		o, err := apps.GetAR(w.ctx, appID, reject)
		if err != nil {
			return err
		}
		return want("Status", o.Data.Status, "rejected")
	})
	step("Apps.ProvisionApp", func() error {
		_, err := apps.ProvisionApp(w.ctx, appID)
		if err != nil {
			return err
		}
		o, err := ars.GetAR(w.ctx, provision)
		if err != nil {
			return err
		}
		return want("Status of its pending request after provisioning", o.Data.Status, "approved")
	})
}

func (w *walk) pages() {
	pages := w.c.Pages()
	var id int64
	step("Pages.CreatePage", func() error {
		o, err := pages.CreatePage(w.ctx, &portal.CreatePageInput{Title: "portal-go Page", Path: "/portal-go",
			Template: "page", Status: "draft"})
		if err != nil {
			return err
		}
		id = o.Data.ID
		if id == 0 {
			return errors.New("answer: no ID")
		}
		return want("Path", o.Data.Path, "/portal-go")
	})
	var page *portal.Page
	if id == 0 {
		step("Pages.GetPage", skipped("CreatePage"))
	} else {
		step("Pages.GetPage", func() error {
			o, err := pages.GetPage(w.ctx, id)
			if err != nil {
				return err
			}
			page = o.Data
			return want("Title", o.Data.Title, "portal-go Page")
		})
	}
	step("Pages.ListPages", func() error {
		o, err := pages.ListPages(w.ctx, &portal.ListPagesInput{})
		if err != nil {
			return err
		}
		for _, x := range o.Pages {
			if x.ID == id && id != 0 {
				return nil
			}
		}
		return fmt.Errorf("answer: page %d not in the list", id)
	})
	if page == nil {
		step("Pages.UpdatePage", skipped("GetPage"))
	} else {
		// A round trip: every field of PageInput as GET answered it, the title changed.
		step("Pages.UpdatePage", func() error {
			o, err := pages.UpdatePage(w.ctx, id, &portal.UpdatePageInput{AllowFormSubmission: page.AllowFormSubmission,
				PageTypeID: page.PageTypeID, Path: page.Path, Status: page.Status, Template: page.Template,
				Title: "portal-go Page (renamed)"})
			if err != nil {
				return err
			}
			return want("Title", o.Data.Title, "portal-go Page (renamed)")
		})
	}
	if id == 0 {
		step("Pages.DeletePage", skipped("CreatePage"))
	} else {
		step("Pages.DeletePage", func() error {
			if _, err := pages.DeletePage(w.ctx, id); err != nil {
				return err
			}
			return gone(func() error { _, err := pages.GetPage(w.ctx, id); return err })
		})
	}
}

func (w *walk) theme(path string) {
	step("Themes.UploadTheme", func() error {
		if path == "" {
			return errors.New("no -theme zip given")
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = w.c.Themes().UploadTheme(w.ctx, f)
		return err
	})
}

// gone: the object a DELETE answered 200 for is no longer there (its GET answers 404).
func gone(get func() error) error {
	err := get()
	var apiErr portal.APIError
	if errors.As(err, &apiErr) && apiErr.Response.StatusCode == 404 || err != nil && err.Error() == "Not Found" {
		return nil
	}
	if err == nil {
		return errors.New("answer: still there after DELETE")
	}
	return fmt.Errorf("answer: GET after DELETE: %v, want a 404", err)
}

// cleanUp deletes what the walk made, dependents first (a user with apps, an organisation with users
// may be refused).
func (w *walk) cleanUp() {
	apps, cats, orgs, users, providers := w.c.Apps(), w.c.Catalogues(), w.c.Orgs(), w.c.Users(), w.c.Providers()
	deletions := []struct {
		method, needs string
		id            int64
		del, get      func() error
	}{
		{"Apps.DeleteApp", "CreateApp", w.app,
			func() error { _, err := apps.DeleteApp(w.ctx, w.app); return err },
			func() error { _, err := apps.GetApp(w.ctx, w.app); return err }},
		{"Catalogues.DeleteCatalogue", "CreateCatalogue", w.cat,
			func() error { _, err := cats.DeleteCatalogue(w.ctx, w.cat); return err },
			func() error { _, err := cats.GetCatalogue(w.ctx, w.cat); return err }},
		{"Orgs.DeleteTeam", "CreateTeam", w.team,
			func() error { _, err := orgs.DeleteTeam(w.ctx, w.org, w.team); return err },
			func() error { _, err := orgs.GetTeam(w.ctx, w.org, w.team); return err }},
		{"Users.DeleteUser", "CreateUser", w.user,
			func() error { _, err := users.DeleteUser(w.ctx, w.user); return err },
			func() error { _, err := users.GetUser(w.ctx, w.user); return err }},
		{"Orgs.DeleteOrg", "CreateOrg", w.org,
			func() error { _, err := orgs.DeleteOrg(w.ctx, w.org); return err },
			func() error { _, err := orgs.GetOrg(w.ctx, w.org); return err }},
		{"Providers.DeleteProvider", "a provider made by CreateProvider", w.spareProvider,
			func() error { _, err := providers.DeleteProvider(w.ctx, w.spareProvider); return err },
			func() error { _, err := providers.GetProvider(w.ctx, w.spareProvider); return err }},
	}
	for _, d := range deletions {
		if d.id == 0 {
			step(d.method, skipped(d.needs))
			continue
		}
		d := d
		step(d.method, func() error {
			if err := d.del(); err != nil {
				return err
			}
			return gone(d.get)
		})
	}
}
