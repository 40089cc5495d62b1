// Passkeys (WebAuthn): the portal's server makes the options and checks the answers (py_webauthn);
// this only hands them between it and navigator.credentials. No inline script: the pages' CSP.
//   <form data-passkey="register" data-options-url="..." action="..."> with a `name` field: adds one.
//   <form data-passkey="sign-in" data-options-url="..." action="..."> : the second step of signing in.
// Each form has its CSRF token field and an element [data-passkey-error] for what went wrong, whose
// data-refused and data-not-used give its messages in the page's language.
// The forms stay hidden where the browser has no passkeys (no PublicKeyCredential JSON helpers).
(function () {
  "use strict";
  var supported = window.PublicKeyCredential &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

  function said(form, name, english) {
    var place = form.querySelector("[data-passkey-error]");
    return (place && place.dataset[name]) || english;
  }

  function post(form, url, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || said(form, "refused", "The portal refused it."));
        }
        return data;
      });
    });
  }

  function fail(form, error) {
    var place = form.querySelector("[data-passkey-error]");
    var message = error && error.name === "NotAllowedError" ? said(form, "notUsed", "The passkey was not used.") :
      String(error.message || error);
    if (place) {
      place.textContent = message;
      place.hidden = false;
    }
  }

  function register(form) {
    var name = form.querySelector("input[name=name]");
    return post(form, form.dataset.optionsUrl).then(function (options) {
      return navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)});
    }).then(function (credential) {
      return post(form, form.action, {name: name ? name.value : "", credential: credential.toJSON()});
    });
  }

  function signIn(form) {
    return post(form, form.dataset.optionsUrl).then(function (options) {
      return navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
    }).then(function (credential) {
      return post(form, form.action, {credential: credential.toJSON()});
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      if (!supported) {
        return;
      }
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var step = form.dataset.passkey === "register" ? register(form) : signIn(form);
        step.then(function (data) {
          window.location.assign(data.redirect);
        }).catch(function (error) {
          fail(form, error);
        });
      });
    });
  });
})();
