// pdf.js only loads @napi-rs/canvas when it renders inside Node; Paraphe renders in Chromium.
throw new Error('@napi-rs/canvas is not installed: Paraphe renders PDFs in the renderer, not in Node');
