/* kg serve: sets up YASGUI (static/yasgui/) on /yasgui from the page's JSON config.
   A static file rather than an inline script, so the page's Content-Security-Policy
   allows scripts from this server only. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kg-yasgui-config").textContent);
  // YASGUI parses the endpoint with new URL(), which needs it absolute; resolving it
  // here keeps it right behind a proxy that mounts kg under a path.
  var endpoint = new URL(config.endpoint, document.baseURI).href;

  // Prefix completion from the project's prefixes, not prefix.cc; the property and
  // class completers ask the LOV service, which this page may not reach, so they go.
  var prefixLines = Object.keys(config.prefixes).sort().map(function (name) {
    return name + ": <" + config.prefixes[name] + ">";
  });
  Yasgui.Yasqe.forkAutocompleter(
    "prefixes",
    {
      name: "kg-prefixes",
      persistenceId: null,
      get: function () {
        return Promise.resolve(prefixLines);
      },
    },
    false
  );
  Yasgui.defaults.yasqe.autocompleters = ["kg-prefixes", "variables"];

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    // Nothing kept in the browser between visits: the endpoint and examples come from
    // the server each time, so a stored tab can never point at an old address.
    persistenceId: null,
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
    },
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle",
    },
    yasqe: { value: config.query },
    yasr: { defaultPlugin: "table", pluginOrder: ["table", "response"] },
  });
  window.kgYasgui = yasgui;

  var tools = document.getElementById("kg-yasgui-tools");

  function labelled(id, text, control) {
    var p = document.createElement("p");
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text + " ";
    control.id = id;
    p.appendChild(label);
    p.appendChild(control);
    tools.appendChild(p);
  }

  // The stored queries, each opened in a tab of its own (its defaults bound).
  var examples = document.createElement("select");
  var none = document.createElement("option");
  none.value = "";
  none.textContent = "(open a stored query in a new tab)";
  examples.appendChild(none);
  config.examples.forEach(function (example, index) {
    var option = document.createElement("option");
    option.value = String(index);
    option.textContent = example.name + (example.summary ? " — " + example.summary : "");
    examples.appendChild(option);
  });
  examples.addEventListener("change", function () {
    if (examples.value === "") return;
    var example = config.examples[Number(examples.value)];
    yasgui.addTab(
      true,
      { name: example.name, yasqe: { value: example.query } },
      { avoidDuplicateTabs: true }
    );
    examples.value = "";
  });
  labelled("kg-examples", "Examples", examples);

  // Every format kg answers in: the current query on /sparql with format=NAME.
  var formats = document.createElement("select");
  config.formats.forEach(function (format) {
    var option = document.createElement("option");
    option.value = format.name;
    option.textContent = format.label;
    formats.appendChild(option);
  });
  var download = document.createElement("button");
  download.type = "button";
  download.textContent = "Open the answer";
  download.addEventListener("click", function () {
    var url = new URL(endpoint);
    url.searchParams.set("query", yasgui.getTab().getQuery());
    url.searchParams.set("format", formats.value);
    window.open(url.href, "_blank", "noopener");
  });
  labelled("kg-format", "Answer as", formats);
  formats.parentNode.appendChild(document.createTextNode(" "));
  formats.parentNode.appendChild(download);
})();
