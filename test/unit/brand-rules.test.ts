// The brand's two rules that need no database: white text on the accent colour must reach WCAG AA
// (4.5:1), and a logo is what its bytes say, with SVGs holding anything active or external refused.
import { accentProblem, contrastWithWhite } from '../../src/brand/colors.js';
import { LOGO_MAX_BYTES, logoPath, readLogo } from '../../src/brand/logo.js';
import { ValidationError } from '../../src/lib/errors.js';
import { cleanSvg, jpegImage, pngImage } from '../helpers/images.js';

describe('accent colour contrast with white text', () => {
  it('follows WCAG relative luminance: black 21:1, white 1:1, the default blue above 4.5:1', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
    expect(contrastWithWhite('#1d4ed8')).toBeGreaterThan(4.5);
    // #767676 is the lightest grey that passes AA on white; #777777 just fails.
    expect(contrastWithWhite('#767676')).toBeGreaterThanOrEqual(4.5);
    expect(contrastWithWhite('#777777')).toBeLessThan(4.5);
  });

  it('says why a colour is refused, and accepts readable ones', () => {
    expect(accentProblem('#1d4ed8')).toBeNull();
    expect(accentProblem('#AA1100')).toBeNull();
    expect(accentProblem('#ffff00')).toMatch(/contrast of 1\.07:1; buttons need at least 4\.5:1/);
    expect(accentProblem('#777777')).toMatch(/Choose a darker colour/);
    for (const bad of ['blue', '#fff', '#12345g', '1d4ed8', '#1d4ed8 ']) expect(accentProblem(bad)).toMatch(/#rrggbb/);
  });
});

describe('logo uploads', () => {
  const reason = (bytes: Buffer) => {
    try {
      readLogo(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).fieldErrors.logo;
    }
    throw new Error('accepted');
  };

  it('tells PNG, JPEG and SVG apart by their bytes and names each file by its sha256', () => {
    const png = readLogo(pngImage(4, 4));
    expect(png.contentType).toBe('image/png');
    expect(png.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(logoPath(png.sha256, png.contentType)).toBe(`/brand/logo/${png.sha256}.png`);
    expect(readLogo(jpegImage()).contentType).toBe('image/jpeg');
    expect(readLogo(cleanSvg()).contentType).toBe('image/svg+xml');
    expect(readLogo(Buffer.from('\uFEFF<!-- made by hand -->\n<svg viewBox="0 0 1 1"><use href="#a"/></svg>')).contentType).toBe('image/svg+xml');
  });

  it('refuses what is no image, an empty file and one over the limit', () => {
    expect(reason(Buffer.from('GIF89a....'))).toMatch(/not a PNG, JPEG or SVG/);
    expect(reason(Buffer.from('<html><svg></svg></html>'))).toMatch(/not a PNG, JPEG or SVG/);
    expect(reason(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x73]))).toMatch(/not a PNG, JPEG or SVG/);
    expect(reason(Buffer.alloc(0))).toMatch(/empty/);
    expect(reason(Buffer.concat([pngImage(1, 1), Buffer.alloc(LOGO_MAX_BYTES)]))).toMatch(/at most 512 KB/);
  });

  it.each([
    ['<svg><script>alert(1)</script></svg>', /script/],
    ['<svg><SCRIPT xlink:href="x.js"/></svg>', /script/],
    ['<svg onload="alert(1)"></svg>', /event handlers/],
    ['<svg><rect ONCLICK = "x"/></svg>', /event handlers/],
    ['<svg><foreignObject><div/></foreignObject></svg>', /foreignObject/],
    ['<svg><image href="https://evil.example/p.png"/></svg>', /embedded files/],
    ['<svg><a href="https://evil.example">x</a></svg>', /links/],
    ['<svg><use xlink:href="https://evil.example/s.svg#x"/></svg>', /outside the file/],
    ['<svg><rect style="fill:url(https://evil.example/x)"/></svg>', /url\(…\)/],
    ['<svg><style>@import "https://evil.example/x.css";</style></svg>', /@import/],
    ['<svg><rect fill="javascript:alert(1)"/></svg>', /javascript:/],
    ['<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>', /DOCTYPE/],
  ])('refuses an SVG with active or external content: %s', (svg, why) => {
    expect(reason(Buffer.from(svg))).toMatch(why);
  });
});
