import { describe, expect, it } from "@jest/globals";
import { escapeHtml, html, jsonAttr } from "../../src/dashboard/views/html.js";

describe("dashboard html", () => {
  it("escapes every interpolation, attributes included, unless it is html itself", () => {
    const title = `<script>alert("x")</script> & 'y'`;
    const out = html`<p title="${title}">${title}${html`<b>${"<i>"}</b>`}${[1, "<", null]}</p>`.value;
    expect(out).toBe(`<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;<b>&lt;i&gt;</b>1&lt;</p>`);
    expect(escapeHtml(`"'`)).toBe("&quot;&#39;");
  });
  it("JSON for an attribute survives the escaping", () => {
    const attr = html`<x data-j="${jsonAttr({ a: `"</x>` })}">`.value;
    expect(attr).not.toContain(`"</x>`);
    const inner = /data-j="([^"]*)"/.exec(attr)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    expect(JSON.parse(inner)).toEqual({ a: `"</x>` });
  });
});
