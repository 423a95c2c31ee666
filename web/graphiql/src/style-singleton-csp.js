// CSP-friendly drop-in for `react-style-singleton` (wired in with esbuild's
// --alias in package.json).
//
// Radix UI dialogs/menus lock page scrolling through react-remove-scroll(-bar),
// which injects <style> elements via react-style-singleton. Those are inline
// styles, blocked by `style-src 'self'` (a console error each time a dialog
// opens). This replacement applies the same CSS through a constructed
// stylesheet (document.adoptedStyleSheets), which CSP does not restrict, and
// does nothing where constructed stylesheets are unsupported (the page does not
// scroll anyway: page.css sets overflow: hidden). Same API as
// react-style-singleton 2.2.x: stylesheetSingleton, styleHookSingleton,
// styleSingleton.
import * as React from 'react';

function canConstruct() {
  try {
    return typeof document !== 'undefined' && 'adoptedStyleSheets' in document && new CSSStyleSheet() !== null;
  } catch {
    return false;
  }
}

export function stylesheetSingleton() {
  let counter = 0;
  let sheet = null;
  return {
    add(css) {
      if (counter === 0 && canConstruct()) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter++;
    },
    remove() {
      counter--;
      if (!counter && sheet) {
        const removed = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== removed);
        sheet = null;
      }
    },
  };
}

export function styleHookSingleton() {
  const sheet = stylesheetSingleton();
  return (styles, isDynamic) => {
    React.useEffect(() => {
      sheet.add(styles);
      return () => {
        sheet.remove();
      };
    }, [styles && isDynamic]);
  };
}

export function styleSingleton() {
  const useStyle = styleHookSingleton();
  return function Sheet({ styles, dynamic }) {
    useStyle(styles, dynamic);
    return null;
  };
}
