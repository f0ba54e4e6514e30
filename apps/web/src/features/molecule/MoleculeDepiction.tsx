/**
 * RDKit's SVG as the source of an image, never as markup: a browser renders an SVG image in secure static mode, so
 * nothing in it runs or loads (scripts, event handlers, links, foreignObject, external images), whatever a
 * molfile's labels or a future RDKit put into it. The page's policy allows data: images for this.
 */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export function MoleculeDepiction({ svg, label }: { svg: string; label: string }) {
  return <img className="depiction" data-testid="molecule-depiction" src={svgDataUrl(svg)} alt={label} />;
}
