// The dashboard's only script: live updates over server-sent events, upload progress, and Try it without reloads.
// Everything works without it; it only spares reloads. It inserts text with textContent, and markup only from our own pages.
/* global document, location, EventSource, DOMParser, fetch, FormData, URLSearchParams, XMLHttpRequest */
'use strict';

(function live() {
  if (typeof EventSource === 'undefined') return;
  const body = document.body;
  if (!body.dataset.liveVersion) return;
  let refreshing = false;
  let pending = false;

  async function refreshRegions() {
    if (refreshing) {
      pending = true;
      return;
    }
    refreshing = true;
    try {
      const response = await fetch(location.href, { headers: { 'x-dashboard-fetch': '1' }, credentials: 'same-origin' });
      if (!response.ok || response.redirected) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const region of document.querySelectorAll('[data-live-region]')) {
        const replacement = fresh.getElementById(region.id);
        if (replacement) region.replaceWith(document.importNode(replacement, true));
      }
    } finally {
      refreshing = false;
      if (pending) {
        pending = false;
        void refreshRegions();
      }
    }
  }

  const source = new EventSource('/dashboard/live');
  source.addEventListener('activity', (event) => {
    const data = JSON.parse(event.data);
    for (const badge of document.querySelectorAll('[data-open-messages]')) {
      badge.textContent = String(data.openMessages);
      badge.hidden = data.openMessages === 0;
    }
    if (data.version === body.dataset.liveVersion) return;
    body.dataset.liveVersion = data.version;
    if (document.querySelector('[data-live-region]')) void refreshRegions();
  });
})();

(function uploadProgress() {
  const form = document.querySelector('form[data-upload]');
  if (!form) return;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const progress = form.querySelector('progress');
    const button = form.querySelector('button');
    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    request.setRequestHeader('x-dashboard-fetch', '1');
    request.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    // The page then says how it went.
    request.addEventListener('load', () => location.assign(form.action));
    request.addEventListener('error', () => location.assign(form.action));
    progress.hidden = false;
    button.disabled = true;
    request.send(new FormData(form));
  });
})();

(function tryIt() {
  const form = document.querySelector('form[data-try]');
  if (!form) return;
  const chat = document.querySelector('#try-chat .chat');
  // The words come with the page, in its language.
  const words = form.dataset;
  function bubble(role, text) {
    const item = document.createElement('li');
    item.className = `bubble ${role}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = role === 'user' ? words.you : words.assistant;
    const said = document.createElement('p');
    said.textContent = text;
    item.append(who, said);
    chat.append(item);
    item.scrollIntoView({ block: 'nearest' });
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = form.elements.namedItem('text');
    const text = input.value.trim();
    if (!text) return;
    const button = form.querySelector('button');
    button.disabled = true;
    const params = new URLSearchParams(new FormData(form));
    bubble('user', text);
    input.value = '';
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-dashboard-fetch': '1' },
        body: params.toString(),
        credentials: 'same-origin',
      });
      const reply = await response.json();
      if (reply.reply) bubble('assistant', reply.reply);
      else bubble('assistant', reply.error || words.wentWrong);
      if (reply.call_id) {
        let callId = form.elements.namedItem('call_id');
        if (!callId) {
          callId = document.createElement('input');
          callId.type = 'hidden';
          callId.name = 'call_id';
          form.append(callId);
        }
        callId.value = reply.call_id;
      }
      if (reply.ended) {
        bubble('assistant', words.ended);
        input.disabled = true;
        return;
      }
    } catch {
      bubble('assistant', words.noAnswer);
    }
    button.disabled = false;
    input.focus();
  });
})();
