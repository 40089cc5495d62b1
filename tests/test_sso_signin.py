"""The sign-in rules of single sign-on (forecourt.sso.signin), whatever the protocol: matching by the
IdP's subject, just-in-time accounts and the registration rules, explicit linking, group mapping at
every sign-in, audiences that do not mix, replays refused. The protocols' own tests
(test_sso_oidc.py, test_sso_saml.py) run these through real identity providers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forecourt.accounts.models import Organisation, Role, Team, User
from forecourt.accounts.services import ensure_default_organisation
from forecourt.audit.models import AuditEntry
from forecourt.portalconfig.models import PortalSettings
from forecourt.sso import signin
from forecourt.sso.identity import Identity, SignInRefused
from forecourt.sso.models import SsoIdentity, SsoProfile, UsedAssertion

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    acme = Organisation.objects.create(name="Acme")
    globex = Organisation.objects.create(name="Globex")
    return {
        "acme-dev": Team.objects.create(organisation=acme, name="Developers"),
        "acme-ops": Team.objects.create(organisation=acme, name="Operations"),
        "globex": Team.objects.create(organisation=globex, name="Everyone"),
    }


def _profile(teams=None, **fields):
    mapping = {}
    if teams:
        mapping = {"dev": str(teams["acme-dev"].pk), "ops": str(teams["acme-ops"].pk),
                   "globex": str(teams["globex"].pk)}
    defaults = {"key": "corp", "name": "Corp SSO", "protocol": SsoProfile.Protocol.OIDC,
                "group_team_mapping": mapping}
    defaults.update(fields)
    return SsoProfile.objects.create(**defaults)


def _who(subject="sub-1", email="ada@corp.example", groups=(), **fields):
    return Identity(subject=subject, email=email, groups=tuple(groups), **fields)


def _refusal(profile, identity):
    with pytest.raises(SignInRefused) as caught:
        signin.resolve_user(profile, identity)
    return caught.value


def test_a_new_consumer_is_made_just_in_time_in_the_mapped_organisation_and_teams(teams):
    profile = _profile(teams)
    user = signin.resolve_user(profile, _who(groups=["unrelated", "dev", "ops", "globex"], first_name="Ada"))
    assert user.is_active and user.role == Role.CONSUMER_TEAM_MEMBER and user.first_name == "Ada"
    assert not user.has_usable_password()
    # the first mapped group decides the organisation; every mapped team of it is given, Globex's is not
    assert user.organisation == teams["acme-dev"].organisation
    assert set(user.teams.all()) == {teams["acme-dev"], teams["acme-ops"]}
    assert SsoIdentity.objects.get(profile=profile, subject="sub-1").linked_by == "just-in-time"
    assert AuditEntry.objects.filter(action="create", note__startswith="Made just in time",
                                     object_id=str(user.pk)).exists()


def test_no_mapped_group_lands_in_the_profiles_default_team_else_the_default_organisation(teams):
    profile = _profile(teams, default_team=teams["globex"])
    assert list(signin.resolve_user(profile, _who()).teams.all()) == [teams["globex"]]
    other = _profile(teams, key="other", name="Other")
    user = signin.resolve_user(other, _who(subject="sub-2", email="bo@corp.example"))
    assert list(user.teams.all()) == [ensure_default_organisation()[1]]


def test_accounts_are_matched_by_subject_never_by_email(teams):
    profile = _profile(teams)
    first = signin.resolve_user(profile, _who(email="ada@corp.example"))
    # the IdP's user changed their address: the same account, which follows the new address
    again = signin.resolve_user(profile, _who(email="ada.lovelace@corp.example"))
    assert again.pk == first.pk and again.email == "ada.lovelace@corp.example"
    # another subject claiming that address gets nothing of Ada's
    refusal = _refusal(profile, _who(subject="sub-evil", email="ada.lovelace@corp.example"))
    assert refusal.code == "link_required"
    assert User.objects.count() == 1 and SsoIdentity.objects.count() == 1


def test_an_existing_password_account_is_never_linked_silently(teams):
    owner = User.objects.create_user("ada@corp.example", "a-long-password-1", role=Role.CONSUMER_TEAM_MEMBER,
                                     organisation=teams["globex"].organisation)
    profile = _profile(teams)
    assert _refusal(profile, _who()).code == "link_required"
    assert not SsoIdentity.objects.exists()
    # its owner links it (signed in, having proved the IdP's identity too): audited, then it signs in
    signin.link(profile, _who(), owner, actor=owner)
    assert AuditEntry.objects.filter(action="other", note__startswith="Linked to SSO", object_id=str(owner.pk)).exists()
    assert signin.resolve_user(profile, _who(groups=["dev"])).pk == owner.pk
    # one identity per account and one account per identity
    assert _link_refusal(profile, _who(subject="sub-2"), owner).code == "has_link"
    other = User.objects.create_user("bo@corp.example", "a-long-password-1", organisation=owner.organisation)
    assert _link_refusal(profile, _who(), other).code == "already_linked"
    row = SsoIdentity.objects.get(user=owner)
    signin.unlink(row, actor=owner)
    assert AuditEntry.objects.filter(action="other", note__startswith="Unlinked from SSO",
                                     object_id=str(owner.pk)).exists()
    assert _refusal(profile, _who()).code == "link_required"


def _link_refusal(profile, identity, user):
    with pytest.raises(SignInRefused) as caught:
        signin.link(profile, identity, user, actor=user)
    return caught.value


def test_existing_accounts_only_refuses_strangers(teams):
    profile = _profile(teams, existing_users_only=True)
    assert _refusal(profile, _who()).code == "no_account"
    assert not User.objects.exists()


def test_sign_up_off_does_not_stop_a_profile_that_makes_accounts_but_allowed_domains_do(teams):
    settings = PortalSettings.load()
    settings.allow_sign_up = False
    settings.save()
    profile = _profile(teams)
    assert signin.resolve_user(profile, _who()).is_active
    settings.allowed_email_domains = "example.org"
    settings.save()
    refusal = _refusal(profile, _who(subject="sub-2", email="bo@corp.example"))
    assert refusal.code == "registration" and "example.org" in refusal.reason
    assert User.objects.count() == 1
    # ... and an account already linked keeps signing in
    assert signin.resolve_user(profile, _who()).email == "ada@corp.example"


def test_the_profiles_own_constraints_apply_every_time(teams):
    profile = _profile(teams, allowed_domains="corp.example", required_group="portal-users")
    assert _refusal(profile, _who(email="ada@elsewhere.example", groups=["portal-users"])).code == "domain"
    assert _refusal(profile, _who(groups=["dev"])).code == "group"
    user = signin.resolve_user(profile, _who(groups=["portal-users", "dev"]))
    # removed from the group at the IdP: refused from then on, though linked
    assert _refusal(profile, _who(groups=["dev"])).code == "group"
    assert user.is_active
    assert _refusal(profile, _who(email="")).code == "no_email"
    assert _refusal(profile, _who(subject=" ")).code == "no_subject"


def test_group_mapping_is_applied_at_every_sign_in_and_keeps_teams_an_admin_gave(teams):
    profile = _profile(teams)
    extra = Team.objects.create(organisation=teams["acme-dev"].organisation, name="Given by an admin")
    user = signin.resolve_user(profile, _who(groups=["dev", "ops"]))
    user.teams.add(extra)
    # left the ops group at the IdP: loses that mapped team, keeps the admin's
    user = signin.resolve_user(profile, _who(groups=["dev"]))
    assert set(user.teams.all()) == {teams["acme-dev"], extra}
    # no mapped group this time: keeps what they have (Tyk 1.14.1's lost-teams bug is not ours)
    user = signin.resolve_user(profile, _who(groups=[]))
    assert set(user.teams.all()) == {teams["acme-dev"], extra}
    # moved to Globex at the IdP: the organisation follows, Acme's teams go
    user = signin.resolve_user(profile, _who(groups=["globex"]))
    assert user.organisation == teams["globex"].organisation
    assert list(user.teams.all()) == [teams["globex"]]
    assert AuditEntry.objects.filter(action="update", note__startswith="Group mapping",
                                     object_id=str(user.pk)).count() >= 2


def test_roles_follow_the_role_mapping_within_the_audience(teams):
    profile = _profile(teams, group_role_mapping={"leads": Role.CONSUMER_ADMIN, "root": Role.SUPER_ADMIN})
    assert signin.resolve_user(profile, _who(groups=["dev", "leads"])).role == Role.CONSUMER_ADMIN
    # a consumers' profile can never make an admin, whatever its mapping says
    assert signin.resolve_user(profile, _who(groups=["root"])).role == Role.CONSUMER_TEAM_MEMBER


def test_audiences_do_not_mix(teams):
    admin = User.objects.create_user("root@corp.example", "a-long-password-1", role=Role.SUPER_ADMIN)
    consumers = _profile(teams)
    signin.link(_profile(key="admins", name="Admins", action_type=SsoProfile.ActionType.ADMINS),
                _who(subject="root-sub", email="root@corp.example"), admin, actor=admin)
    with pytest.raises(SignInRefused):  # an admin account cannot be linked to a consumers' profile
        signin.link(consumers, _who(subject="root-sub", email="root@corp.example"), admin, actor=admin)
    row = SsoIdentity.objects.create(profile=consumers, subject="root-sub", user=admin, linked_by="admin")
    assert _refusal(consumers, _who(subject="root-sub", email="root@corp.example")).code == "admin_via_consumers"
    row.delete()


def test_an_admins_profile_makes_admins_and_maps_roles_but_never_demotes_the_last_super_admin():
    profile = _profile(key="admins", name="Admins", action_type=SsoProfile.ActionType.ADMINS,
                       group_role_mapping={"portal-root": Role.SUPER_ADMIN, "portal-admins": Role.PROVIDER_ADMIN})
    made = signin.resolve_user(profile, _who(subject="a1", email="ops@corp.example", groups=["portal-admins"]))
    assert made.role == Role.PROVIDER_ADMIN and made.is_admin and made.organisation is None
    promoted = signin.resolve_user(profile, _who(subject="a1", email="ops@corp.example", groups=["portal-root"]))
    assert promoted.role == Role.SUPER_ADMIN
    # the only active super-admin: a sign-in mapping them lower keeps them super-admin
    kept = signin.resolve_user(profile, _who(subject="a1", email="ops@corp.example", groups=["portal-admins"]))
    assert kept.role == Role.SUPER_ADMIN
    # a consumer linked to an admins' profile (by a mistake) is refused, not signed in to the Admin Portal
    consumer = User.objects.create_user("c@corp.example", "a-long-password-1", role=Role.CONSUMER_TEAM_MEMBER,
                                        organisation=ensure_default_organisation()[0])
    SsoIdentity.objects.create(profile=profile, subject="c1", user=consumer, linked_by="admin")
    assert _refusal(profile, _who(subject="c1", email="c@corp.example")).code == "not_admin"


def test_a_deactivated_account_is_refused(teams):
    profile = _profile(teams)
    user = signin.resolve_user(profile, _who())
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _refusal(profile, _who()).code == "inactive"


def test_replays_are_refused_and_expired_records_are_forgotten(teams):
    profile = _profile(teams)
    later = timezone.now() + timedelta(minutes=5)
    signin.refuse_replay(profile, "assertion-1", later)
    with pytest.raises(SignInRefused) as caught:
        signin.refuse_replay(profile, "assertion-1", later)
    assert caught.value.code == "replayed"
    UsedAssertion.objects.create(profile=profile, assertion_id="old", expires_at=timezone.now() - timedelta(hours=1))
    signin.refuse_replay(profile, "assertion-2", later)
    assert set(UsedAssertion.objects.values_list("assertion_id", flat=True)) == {"assertion-1", "assertion-2"}


def test_enabled_profiles_are_listed_per_audience(teams):
    _profile(teams, key="b", name="B")
    _profile(teams, key="a", name="A")
    _profile(teams, key="off", name="Off", enabled=False)
    _profile(key="adm", name="Admins", action_type=SsoProfile.ActionType.ADMINS)
    assert [p.key for p in signin.enabled_profiles(for_admins=False)] == ["a", "b"]
    assert [p.key for p in signin.enabled_profiles(for_admins=True)] == ["adm"]


def test_a_first_sign_in_racing_another_replica_ends_in_the_winners_account(teams, monkeypatch):
    """Another replica makes the same new subject's account between this one's look and its insert:
    the unique constraints decide, and this sign-in ends in the winner's account, not a second one.
    (Two real `forecourt serve` replicas run the whole flow in the OIDC tests.)"""
    profile = _profile(teams)
    check = signin.registration.check_may_register

    def the_other_replica_wins_meanwhile(email, path, settings=None):
        check(email, path, settings)  # this replica looked, found nobody, was allowed to register...
        winner = User.objects.create_user(email, password=None, organisation=teams["acme-dev"].organisation)
        SsoIdentity.objects.create(profile=profile, subject="sub-1", user=winner, linked_by="just-in-time")

    monkeypatch.setattr(signin.registration, "check_may_register", the_other_replica_wins_meanwhile)
    user = signin.resolve_user(profile, _who(groups=["dev"]))
    assert User.objects.count() == 1 and SsoIdentity.objects.count() == 1
    assert user.pk == SsoIdentity.objects.get().user_id
    assert list(user.teams.all()) == [teams["acme-dev"]]  # and the mapping applied to it
