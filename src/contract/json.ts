// A response value as the contract defines it: rendered as JSON or as
// mod_restful's XML by the HTTP edge (src/http/render.ts).
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
