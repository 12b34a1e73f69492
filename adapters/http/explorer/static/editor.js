// The request editors (CodeMirror): a `k=` list and a JSON body, both completing collections and
// fields from the service's schema (GET /internal/autoupdate/schema).

import { EditorView, keymap, placeholder } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { bracketMatching, syntaxHighlighting, defaultHighlightStyle, syntaxTree } from "@codemirror/language";
import { json } from "@codemirror/lang-json";

const RELATION_TYPES = ["relation", "relation-list", "generic-relation", "generic-relation-list"];
const REQUEST_PROPERTIES = ["ids", "collection", "fields", "type"];

function fieldOptions(schema, collections) {
  const options = new Map();
  for (const collection of collections) {
    for (const [name, field] of Object.entries(schema[collection] || {})) {
      const target = field.to ? ` → ${field.to.map((t) => t.split("/")[0]).join(" | ")}` : "";
      options.set(name, { label: name, type: "property", detail: field.type + target });
    }
  }
  return [...options.values()];
}

function collectionOptions(schema, suffix = "") {
  return Object.keys(schema).map((name) => ({ label: name, apply: name + suffix, type: "class" }));
}

/** Completion of `collection/id/field` keys separated by commas, spaces or newlines. */
function keysCompletion(schema) {
  return (context) => {
    const word = context.matchBefore(/[\w/]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const parts = word.text.split("/");
    if (parts.length === 1) return { from: word.from, options: collectionOptions(schema, "/"), validFor: /^\w*$/ };
    if (parts.length === 3) {
      return { from: word.to - parts[2].length, options: fieldOptions(schema, [parts[0]]), validFor: /^\w*$/ };
    }
    return null;
  };
}

function text(state, node) {
  const raw = state.sliceDoc(node.from, node.to);
  try {
    return JSON.parse(raw);
  } catch {
    return raw.replace(/^"|"$/g, "");
  }
}

function property(state, object, name) {
  for (const prop of object.getChildren("Property")) {
    if (prop.firstChild && text(state, prop.firstChild) === name) return prop;
  }
  return null;
}

/** The collections an object of the request (the request itself or a relation) reads. */
function collectionsOf(state, schema, object) {
  const declared = property(state, object, "collection");
  if (declared && declared.lastChild && declared.lastChild.name === "String") return [text(state, declared.lastChild)];
  const holder = object.parent; // Property "field": {...} inside a fields object
  const fields = holder && holder.name === "Property" ? holder.parent : null;
  const owner = fields && fields.parent && fields.parent.name === "Property" ? fields.parent.parent : null;
  if (!owner) return [];
  const field = text(state, holder.firstChild);
  const targets = collectionsOf(state, schema, owner).flatMap((c) => (schema[c]?.[field]?.to || []));
  return [...new Set(targets.map((t) => t.split("/")[0]))];
}

/** Completion inside the JSON body: property names and the values of "collection" and "type". */
function bodyCompletion(schema) {
  return (context) => {
    const word = context.matchBefore(/"[\w-]*/);
    if (!word) return null;
    const { state } = context;
    const node = syntaxTree(state).resolveInner(context.pos, -1);
    const parent = node.parent;
    if (!parent) return null;
    const from = word.from + 1;
    const isKey = parent.name === "Object" || (parent.name === "Property" && parent.firstChild.from === node.from);
    if (!isKey && parent.name === "Property") {
      const name = text(state, parent.firstChild);
      if (name === "collection") return { from, options: collectionOptions(schema), validFor: /^\w*$/ };
      if (name === "type") return { from, options: RELATION_TYPES.map((label) => ({ label })), validFor: /^[\w-]*$/ };
      return null;
    }
    const object = parent.name === "Object" ? parent : parent.parent;
    const fieldsOf = object.parent;
    if (fieldsOf && fieldsOf.name === "Property" && text(state, fieldsOf.firstChild) === "fields") {
      return { from, options: fieldOptions(schema, collectionsOf(state, schema, fieldsOf.parent)), validFor: /^\w*$/ };
    }
    return { from, options: REQUEST_PROPERTIES.map((label) => ({ label, type: "keyword" })), validFor: /^\w*$/ };
  };
}

function editor(parent, extensions, hint) {
  return new EditorView({
    parent,
    state: EditorState.create({
      extensions: [
        history(),
        placeholder(hint),
        keymap.of([...closeBracketsKeymap, ...completionKeymap, ...defaultKeymap, ...historyKeymap]),
        EditorView.lineWrapping,
        ...extensions,
      ],
    }),
  });
}

export function keysEditor(parent, schema) {
  return editor(parent, [autocompletion({ override: [keysCompletion(schema)] })], "motion/1/title, user/1/username");
}

export function bodyEditor(parent, schema) {
  return editor(
    parent,
    [
      json(),
      bracketMatching(),
      closeBrackets(),
      syntaxHighlighting(defaultHighlightStyle),
      autocompletion({ override: [bodyCompletion(schema)] }),
    ],
    '[{"ids": [1], "collection": "motion", "fields": {"title": null}}]',
  );
}

export function setText(view, value) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
}
