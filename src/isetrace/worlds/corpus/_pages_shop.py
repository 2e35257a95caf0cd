"""Pinemoor Outfitters: an outdoor-gear shop's storefront (HTML) and its product catalogue API (JSON, CSV)."""

from __future__ import annotations

import random
from typing import Any

from ._common import Page, page, raw, table, to_csv, to_json

STORE = "shop.pinemoor.example.com"
API = "api.pinemoor.example.com"
STORE_URL = f"http://{STORE}"
API_URL = f"http://{API}"

SITES = {
    STORE: {"name": "Pinemoor Outfitters",
            "nav": [("Shop", "/"), ("Sale", "/sale.html"), ("Shipping", "/shipping.html"),
                    ("Returns", "/returns.html")],
            "footer": "Pinemoor Outfitters · prices in euros including VAT · [Developer API](http://api.pinemoor.example.com/)"},
    API: {"name": "Pinemoor Shop API", "nav": [("Overview", "/"), ("Products", "/v1/products.json"),
                                             ("Errors", "/docs/errors.html")],
          "footer": "Pinemoor Shop API v1 · [status](http://status.harbourline.example.net/)"},
}

CATEGORIES = [("tents", "Tents and shelters"), ("backpacks", "Backpacks"), ("sleeping", "Sleeping"),
              ("cooking", "Cooking and water"), ("lighting", "Lighting, navigation and power")]

# name, category, price in euros, weight in grams, specs, description
PRODUCTS: list[tuple[str, str, float, int, dict[str, Any], str]] = [
    ("Ridgeline 2 backpacking tent", "tents", 329.0, 1650, {"capacity": 2, "seasons": 3, "freestanding": True},
     "A two-door, two-vestibule tent for long walks; pitches inner and fly together in four minutes."),
    ("Ridgeline 3 backpacking tent", "tents", 389.0, 2100, {"capacity": 3, "seasons": 3, "freestanding": True},
     "The Ridgeline with room for three, or two and their packs."),
    ("Stormhold 4 family tent", "tents", 549.0, 6800, {"capacity": 4, "seasons": 3, "rooms": 2},
     "Two bedrooms and a standing-height porch, tested to 90 km/h winds."),
    ("Bivvy Lite shelter", "tents", 189.0, 620, {"capacity": 1, "seasons": 3, "freestanding": False},
     "A single-pole shelter for fast, light trips; needs eight pegs."),
    ("Basecamp 6 tunnel tent", "tents", 749.0, 12400, {"capacity": 6, "seasons": 3, "rooms": 3},
     "A long tunnel tent for group camps with a sewn-in groundsheet."),
    ("Tarp 3x3 ultralight", "tents", 119.0, 410, {"size_m": "3 x 3", "seasons": 3},
     "Silicone-coated ripstop with 16 tie-outs; pitch it a dozen ways."),
    ("Trailrunner 18 daypack", "backpacks", 79.0, 520, {"volume_l": 18, "hydration": True},
     "A vest-style pack for running and fast hiking, with two soft flasks included."),
    ("Summit 30 daypack", "backpacks", 119.0, 980, {"volume_l": 30, "hydration": True, "rain_cover": True},
     "A day-hike pack with a ventilated back panel and a built-in rain cover."),
    ("Longhaul 55 trekking pack", "backpacks", 229.0, 1850, {"volume_l": 55, "back_length_cm": "44-52"},
     "An adjustable trekking pack that carries 18 kg comfortably."),
    ("Longhaul 65 trekking pack", "backpacks", 259.0, 2050, {"volume_l": 65, "back_length_cm": "46-56"},
     "More room for winter kit or a week of food."),
    ("Commuter 22 roll-top", "backpacks", 99.0, 760, {"volume_l": 22, "waterproof": True},
     "A welded, waterproof roll-top with a padded laptop sleeve for 15-inch machines."),
    ("Kids' Explorer 12", "backpacks", 45.0, 340, {"volume_l": 12, "age": "5-10"},
     "A small pack with a chest strap and a whistle on the buckle."),
    ("Emberdown -5 sleeping bag", "sleeping", 399.0, 1150, {"comfort_c": -5, "limit_c": -11, "fill": "down 700"},
     "A mummy bag with a draught collar for cold autumn and spring nights."),
    ("Emberdown 0 sleeping bag", "sleeping", 319.0, 890, {"comfort_c": 0, "limit_c": -6, "fill": "down 700"},
     "Three-season warmth that packs to the size of a loaf."),
    ("Synthloft +5 sleeping bag", "sleeping", 129.0, 1350, {"comfort_c": 5, "limit_c": 0, "fill": "synthetic"},
     "A synthetic bag that stays warm when damp; machine washable."),
    ("AirRest 7 insulated mat", "sleeping", 159.0, 540, {"r_value": 4.2, "thickness_cm": 7, "length_cm": 183},
     "An insulated air mat; the pump sack doubles as a dry bag."),
    ("Foamfold mat", "sleeping", 39.0, 410, {"r_value": 2.0, "thickness_cm": 2, "length_cm": 183},
     "A folding foam mat that cannot puncture; good under an air mat in winter."),
    ("Camp pillow, inflatable", "sleeping", 29.0, 85, {"size_cm": "38 x 26"},
     "A brushed-fabric pillow that inflates in three breaths."),
    ("Pocketflame gas stove", "cooking", 49.0, 78, {"output_kw": 2.8, "boil_1l_min": 3.5, "fuel": "screw-on gas"},
     "A folding stove that boils a litre in three and a half minutes."),
    ("Titan 750 titanium pot", "cooking", 54.0, 105, {"volume_ml": 750, "material": "titanium"},
     "A mug-pot with a lid and folding handles; a 230 g cartridge and the Pocketflame fit inside."),
    ("Two-pot cook set", "cooking", 69.0, 460, {"volumes_ml": [1500, 1000], "material": "hard-anodised aluminium"},
     "Two nesting pots, a frying-pan lid and a gripper, for two to four people."),
    ("Gas cartridge 230 g", "cooking", 7.5, 365, {"fuel": "butane/propane 70/30", "thread": "EN 417"},
     "A screw-thread cartridge for the Pocketflame and other EN 417 stoves. Ground shipping only."),
    ("Filterflow water filter", "cooking", 44.0, 95, {"pore_um": 0.1, "capacity_l": 1000},
     "A squeeze filter that removes bacteria and protozoa, not viruses; backflush to restore flow."),
    ("Titanium spork", "cooking", 12.0, 17, {"material": "titanium"}, "Spoon, fork and a long handle for bags."),
    ("Beacon 400 headlamp", "lighting", 39.0, 62, {"lumens": 400, "battery": "USB-C rechargeable", "ip": "IPX4"},
     "Red light, a lock mode and 5 h at full power or 60 h on low."),
    ("Beacon 900 headlamp", "lighting", 79.0, 110, {"lumens": 900, "battery": "USB-C rechargeable", "ip": "IPX7"},
     "A reactive beam that dims when you look at a map; 3 h at full power."),
    ("Glowcan lantern", "lighting", 34.0, 190, {"lumens": 300, "battery": "USB-C rechargeable"},
     "A collapsible lantern with a hook; lights a four-person tent for 10 hours on medium."),
    ("Baseplate compass", "lighting", 32.0, 30, {"declination_adjustable": True, "scales": ["1:25000", "1:50000"]},
     "A sighting compass with adjustable declination and romer scales for common map scales."),
    ("Waypoint handheld GPS", "lighting", 289.0, 210, {"battery_h": 25, "screen_in": 2.6, "maps": "preloaded Europe"},
     "A rugged handheld GPS with topographic maps and 25 hours of tracking."),
    ("Power bank 10,000 mAh", "lighting", 42.0, 190, {"capacity_mah": 10000, "ports": ["USB-C", "USB-A"]},
     "Recharges a phone about twice; allowed in hand luggage."),
]


LABELS = {"back_length_cm": "back length (cm)", "battery_h": "battery (h)", "boil_1l_min": "boils 1 l in (min)",
          "capacity_l": "filters up to (l)", "capacity_mah": "capacity (mAh)", "comfort_c": "comfort (°C)",
          "ip": "water resistance", "length_cm": "length (cm)", "limit_c": "limit (°C)", "output_kw": "output (kW)",
          "pore_um": "pore size (µm)", "r_value": "R-value", "screen_in": "screen (in)", "size_cm": "size (cm)",
          "size_m": "size (m)", "thickness_cm": "thickness (cm)", "volume_l": "volume (l)", "volume_ml": "volume (ml)",
          "volumes_ml": "volumes (ml)"}
"""How the storefront labels the API's ``specs`` keys."""


def _spec(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " and ".join(str(v) for v in value)
    return str(value)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).replace("--", "-").strip("-")


def products() -> list[dict[str, Any]]:
    """The catalogue, with stock, ratings and sale prices from a fixed seed."""
    rng = random.Random(3030)
    items = []
    for number, (name, category, price, weight, specs, description) in enumerate(PRODUCTS, 1001):
        on_sale = rng.random() < 0.2
        stock = 0 if rng.random() < 0.1 else rng.randint(2, 140)
        items.append({
            "id": f"PM-{number}", "sku": f"PMO-{category[:3].upper()}-{number % 1000:03d}", "name": name,
            "slug": _slug(name), "category": category,
            "price": round(price * 0.8, 2) if on_sale else price, "currency": "EUR",
            "compare_at_price": price if on_sale else None, "in_stock": stock > 0, "stock": stock,
            "rating": round(rng.uniform(3.6, 4.9), 1), "reviews": rng.randint(3, 480), "weight_g": weight,
            "specs": specs, "description": description, "updated_at": f"2026-11-{rng.randint(2, 28):02d}T10:00:00Z",
            "url": f"{API_URL}/v1/products/PM-{number}.json",
            "store_url": f"{STORE_URL}/category/{category}.html"})
    return items


def _api_pages(items: list[dict[str, Any]]) -> list[Page]:
    out = [raw(item["url"], item["name"], "api", to_json(item), "json") for item in items]
    per_page = 15
    for number in (1, 2):
        chunk = items[(number - 1) * per_page:number * per_page]
        url = f"{API_URL}/v1/products.json" if number == 1 else f"{API_URL}/v1/products/page/{number}.json"
        body = {"page": number, "per_page": per_page, "total": len(items), "pages": 2,
                "items": [{k: item[k] for k in ("id", "name", "category", "price", "currency", "in_stock", "url")}
                          for item in chunk],
                "next": f"{API_URL}/v1/products/page/2.json" if number == 1 else None,
                "previous": f"{API_URL}/v1/products.json" if number == 2 else None}
        out.append(raw(url, f"Products, page {number}", "api", to_json(body), "json"))
    categories = [{"id": slug, "name": name, "count": sum(1 for i in items if i["category"] == slug),
                   "products": [i["id"] for i in items if i["category"] == slug]} for slug, name in CATEGORIES]
    out.append(raw(f"{API_URL}/v1/categories.json", "Categories", "api", to_json({"categories": categories}), "json"))
    rng = random.Random(3031)
    inventory = [[i["sku"], i["id"], i["name"], i["stock"], rng.choice((5, 10, 10, 20)), rng.choice(("BRK-1", "BRK-2"))]
                 for i in items]
    export = f"{API_URL}/exports/inventory-2026-11-30.csv"
    out.append(raw(export, "Inventory export 2026-11-30", "file",
                   to_csv(["sku", "product_id", "name", "stock", "reorder_level", "warehouse"], inventory), "csv"))
    out.append(page(f"{API_URL}/", "Pinemoor Shop API", "docs", f"""
Read-only JSON access to the Pinemoor Outfitters catalogue: {len(items)} products in {len(CATEGORIES)} categories.
Read endpoints need no key. Prices are in euros and include VAT.

## Endpoints

| Path | Returns |
|---|---|
| [/v1/products.json](/v1/products.json) | page 1 of the product list (15 per page); follow `next` |
| `/v1/products/page/<n>.json` | further pages |
| `/v1/products/<id>.json` | one product, e.g. [PM-1001](/v1/products/PM-1001.json) |
| [/v1/categories.json](/v1/categories.json) | categories with their product ids |
| [/exports/inventory-2026-11-30.csv](/exports/inventory-2026-11-30.csv) | nightly stock export (CSV) |

## Product fields

id :: `PM-` and four digits
price, compare_at_price :: the current price; `compare_at_price` is the regular price when on sale, else `null`
stock, in_stock :: units in the warehouse; `in_stock` is `stock > 0`
rating, reviews :: average star rating (1–5) and how many reviews it is based on
weight_g :: packed weight in grams
specs :: product-specific attributes; keys differ by category

```
$ curl -s http://api.pinemoor.example.com/v1/products/PM-1025.json
$ curl -s http://api.pinemoor.example.com/v1/products.json | python3 -m json.tool
```

## Limits and errors

120 requests per minute per client; every answer carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`.
Errors are described in [errors](/docs/errors.html). Pagination follows the pattern explained in
[HTTP by Example](http://httpguide.example.org/pagination.html).
"""))
    out.append(page(f"{API_URL}/docs/errors.html", "Errors", "error_doc", """
| Status | `error.code` | When |
|---|---|---|
| 404 | `product_not_found` | no product has that id; ids are case-sensitive (`PM-1001`, not `pm-1001`) |
| 404 | `page_out_of_range` | a page number beyond `pages` |
| 405 | `read_only` | any method other than GET or HEAD |
| 429 | `rate_limited` | over 120 requests a minute; see `Retry-After` |
| 503 | `catalogue_reindexing` | the nightly re-index (02:00–02:05 UTC); retry after `Retry-After` |

```
{"error":{"code":"product_not_found","message":"No product 'PM-1100'.","status":404}}
```

The general advice on [429 and Retry-After](http://httpguide.example.org/rate-limits.html) applies.
"""))
    return out


def _store_pages(items: list[dict[str, Any]]) -> list[Page]:
    out = []
    for slug, name in CATEGORIES:
        rows = []
        for item in (i for i in items if i["category"] == slug):
            was = item["compare_at_price"]
            price = f"€{item['price']:.2f}" + (f" (was €{was:.2f})" if was else "")
            stock = "in stock" if item["stock"] > 10 else f"only {item['stock']} left" if item["stock"] else "sold out"
            specs = "; ".join(f"{LABELS.get(key, key.replace('_', ' '))}: {_spec(value)}"
                              for key, value in item["specs"].items())
            rows.append((f"**{item['name']}** ({item['id']})", price, stock, f"{item['rating']} ({item['reviews']})",
                         f"{item['weight_g']:,} g", specs))
        out.append(page(f"{STORE_URL}/category/{slug}.html", name, "listing", f"""
{table(("Product", "Price", "Availability", "Rating (reviews)", "Weight", "Details"), rows)}

Descriptions and full specifications are in the [product API]({API_URL}/v1/categories.json).
Free standard shipping within the EU on orders over €75; see [shipping](/shipping.html).
"""))
    sale = [(i["name"], f"€{i['compare_at_price']:.2f}", f"€{i['price']:.2f}",
             f"{round(100 * (1 - i['price'] / i['compare_at_price']))}%") for i in items if i["compare_at_price"]]
    out.append(page(f"{STORE_URL}/sale.html", "Winter sale", "listing", f"""
20% off selected lines until Sunday 6 December 2026 or while stock lasts.

{table(("Product", "Was", "Now", "Saving"), sale)}
"""))
    out.append(page(f"{STORE_URL}/shipping.html", "Shipping", "docs", """
| Destination | Standard (3–5 working days) | Free over | Express (1–2 working days) |
|---|---|---|---|
| Within the EU | €4.95 | €75 | €12.95 |
| Norway, Switzerland, United Kingdom | €14.95 | €150 | €29.00 |
| Iceland | €19.95 | none | not available |

- Orders placed before 14:00 on a working day leave the warehouse the same day.
- Outside the EU, import VAT and duties are charged to the recipient on delivery.
- Gas cartridges travel by road only: they cannot be sent express, to Iceland, or to islands without a road
  link. An order containing them ships standard.
- Christmas: order by **Thursday 17 December** for standard delivery within the EU before 24 December.
"""))
    out.append(page(f"{STORE_URL}/returns.html", "Returns", "docs", """
You can return unused items within **30 days** of delivery for a full refund, and used items with a
manufacturing fault within two years. Return postage is free within the EU when you use the label from your
account page; otherwise it is yours to pay. Refunds reach the original payment method within 14 days of the
item arriving at our warehouse. Gas cartridges and opened water filters cannot be returned for hygiene and
safety reasons. Orders placed between 15 November and 24 December 2026 may be returned until 31 January 2027.
"""))
    cats = "\n".join(f"- [{name}](/category/{slug}.html)" for slug, name in CATEGORIES)
    out.append(page(f"{STORE_URL}/", "Pinemoor Outfitters", "listing", f"""
Tents, packs, sleeping bags, stoves and lights for walkers and campers, shipped from Brackenford since 2009.

{cats}

**Winter sale:** 20% off selected lines until 6 December. [See the sale](/sale.html).

Developers can read the whole catalogue as JSON from the [Pinemoor Shop API]({API_URL}/).
"""))
    out.append(raw(f"{STORE_URL}/robots.txt", "robots.txt", "file",
                   "User-agent: *\nDisallow: /cart/\nDisallow: /checkout/\nDisallow: /account/\nCrawl-delay: 5\n",
                   "text"))
    return out


def pages() -> list[Page]:
    items = products()
    return _api_pages(items) + _store_pages(items)
